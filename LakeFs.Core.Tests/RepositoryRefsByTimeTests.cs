using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace LakeFs.Core.Tests;

/// <summary>Refs by time, branch@{instant}: the head a branch had at an instant, from the recorded head moves.</summary>
public sealed class RepositoryRefsByTimeTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    private TempDirectory _temp = null!;
    private Repository _repo = null!;
    private FakeTimeProvider _time = null!;

    [SetUp]
    public async Task SetUpAsync()
    {
        _temp = new TempDirectory();
        _time = new FakeTimeProvider(Start);
        _repo = await TestRepositories.CreateLocalAsync(_temp.Path, _time);
    }

    [TearDown]
    public async Task TearDownAsync()
    {
        await _repo.DisposeAsync();
        _temp.Dispose();
    }

    private static string At(DateTimeOffset time) => "@{" + time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture) + "}";

    private async Task<string> IdOfAsync(string @ref) => (await _repo.GetCommitAsync(@ref)).Id;

    private async Task<Commit> CommitTextAsync(string branch, string path, string text)
    {
        await _repo.PutTextAsync(branch, path, text);
        return await _repo.CommitAsync(branch, $"{path}={text}");
    }

    [Test]
    public async Task A_branch_resolves_to_its_head_at_each_instant_of_a_recorded_history()
    {
        var root = await IdOfAsync("main");
        _time.Advance(TimeSpan.FromMinutes(10));                             // 09:10
        var c1 = await CommitTextAsync("main", "f", "one");
        _time.Advance(TimeSpan.FromMinutes(10));                             // 09:20
        await _repo.BranchAsync("dev", "main");
        _time.Advance(TimeSpan.FromMinutes(10));                             // 09:30
        // d1 is made at 09:30 but reaches main with the merge at 09:50: by commit times main would hold it from 09:30.
        var d1 = await CommitTextAsync("dev", "g", "dev");
        _time.Advance(TimeSpan.FromMinutes(10));                             // 09:40
        var c2 = await CommitTextAsync("main", "f", "two");
        _time.Advance(TimeSpan.FromMinutes(10));                             // 09:50
        var merge = await _repo.MergeAsync("dev", "main");
        _time.Advance(TimeSpan.FromMinutes(10));                             // 10:00
        await _repo.PutTextAsync("main", "f", "staged");
        await _repo.ResetAsync("main");
        _time.Advance(TimeSpan.FromMinutes(10));                             // 10:10
        var reverted = await _repo.RevertAsync("main", c2.Id);
        _time.Advance(TimeSpan.FromMinutes(10));                             // 10:20
        var fastForward = await _repo.MergeAsync("main", "dev");
        Assert.That(fastForward.FastForwarded, Is.True);

        var expected = new (int Minutes, string Branch, string Commit)[]
        {
            (0, "main", root), (9, "main", root), (10, "main", c1.Id), (15, "main", c1.Id), (39, "main", c1.Id), (40, "main", c2.Id),
            (50, "main", merge.Head), (55, "main", merge.Head), (60, "main", merge.Head), (70, "main", reverted.Id), (600, "main", reverted.Id),
            (20, "dev", c1.Id), (30, "dev", d1.Id), (79, "dev", d1.Id), (80, "dev", reverted.Id),
        };
        foreach (var (minutes, branch, commit) in expected)
        {
            Assert.That(await IdOfAsync(branch + At(Start.AddMinutes(minutes))), Is.EqualTo(commit), $"{branch} at +{minutes} min");
        }
        // One tick before a move is the head before it.
        Assert.That(await IdOfAsync("main" + At(Start.AddMinutes(40).AddTicks(-1))), Is.EqualTo(c1.Id));
        // An offset names the same instant; steps apply to the commit found.
        Assert.That(await IdOfAsync("main@{2026-11-30T10:45:00+01:00}"), Is.EqualTo(c2.Id));
        Assert.That(await IdOfAsync("main@{2026-11-30T09:55Z}~1"), Is.EqualTo(c2.Id));
        Assert.That(await IdOfAsync("main@{2026-11-30T09:55:00Z}^2"), Is.EqualTo(d1.Id));
        // Every API that takes a ref: reads, listings, diffs, log.
        Assert.That(await _repo.ReadTextAsync("main@{2026-11-30T09:45:00Z}", "f"), Is.EqualTo("two"));
        Assert.That(await _repo.ListPathsAsync("main@{2026-11-30T09:15:00Z}"), Is.EqualTo(new[] { "f" }));
        Assert.That((await _repo.LogAsync("main@{2026-11-30T09:15:00Z}").ToListAsync()).Select(c => c.Id), Is.EqualTo(new[] { c1.Id, root }));
        var diff = await _repo.DiffAsync("main@{2026-11-30T09:15:00Z}", "main@{2026-11-30T09:45:00Z}").ToListAsync();
        Assert.That(diff.Select(c => c.Path), Is.EqualTo(new[] { "f" }));
        // A past state is committed data: what is staged now does not show.
        await _repo.PutTextAsync("main", "f", "staged now");
        Assert.That(await _repo.ReadTextAsync("main@{2026-11-30T12:00:00Z}", "f"), Is.EqualTo("one"), "reverted to c1's content at 10:10");
    }

    [Test]
    public async Task A_branch_deleted_and_created_again_resolves_to_the_life_it_had_then()
    {
        _time.Advance(TimeSpan.FromMinutes(5));
        var c1 = await CommitTextAsync("main", "f", "one");
        _time.Advance(TimeSpan.FromMinutes(5));                              // 09:10
        await _repo.BranchAsync("feature", "main");
        _time.Advance(TimeSpan.FromMinutes(5));                              // 09:15
        var f1 = await CommitTextAsync("feature", "g", "first life");
        _time.Advance(TimeSpan.FromMinutes(5));                              // 09:20
        await _repo.DeleteBranchAsync("feature");
        _time.Advance(TimeSpan.FromMinutes(10));                             // 09:30
        await _repo.TagAsync("feature-tag", "main");
        await _repo.BranchAsync("feature", "main");
        _time.Advance(TimeSpan.FromMinutes(5));                              // 09:35
        var f2 = await CommitTextAsync("feature", "g", "second life");

        Assert.That(await IdOfAsync("feature@{2026-11-30T09:17:00Z}"), Is.EqualTo(f1.Id));
        Assert.That(await IdOfAsync("feature@{2026-11-30T09:30:00Z}"), Is.EqualTo(c1.Id));
        Assert.That(await IdOfAsync("feature@{2026-11-30T09:40:00Z}"), Is.EqualTo(f2.Id));

        var gone = Assert.ThrowsAsync<BranchNotAtTimeException>(async () => await IdOfAsync("feature@{2026-11-30T09:25:00Z}"))!;
        Assert.That(gone.Message, Does.Contain("deleted at 2026-11-30T09:20:00"));
        var early = Assert.ThrowsAsync<BranchNotAtTimeException>(async () => await IdOfAsync("feature@{2026-11-30T09:05:00Z}"))!;
        Assert.That(early.FirstRecorded, Is.EqualTo(Start.AddMinutes(10)));
        Assert.That(early.Branch, Is.EqualTo("feature"));
        Assert.That(early.Message, Does.Contain("first recorded move is at 2026-11-30T09:10:00"));

        // A deleted branch is still found by time.
        await _repo.DeleteBranchAsync("feature");
        Assert.That(await IdOfAsync("feature@{2026-11-30T09:17:00Z}"), Is.EqualTo(f1.Id));
    }

    [Test]
    public async Task The_default_branch_is_at_the_first_commit_from_the_repository_creation_on()
    {
        var root = await IdOfAsync("main");
        Assert.That(await IdOfAsync("main@{2026-11-30T09:00:00Z}"), Is.EqualTo(root), "no move recorded yet");
        _time.Advance(TimeSpan.FromMinutes(1));
        var c1 = await CommitTextAsync("main", "f", "one");
        Assert.That(await IdOfAsync("main@{2026-11-30T09:00:30Z}"), Is.EqualTo(root));
        Assert.That(await IdOfAsync("main@{2026-11-30T09:01:00Z}"), Is.EqualTo(c1.Id));
        var before = Assert.ThrowsAsync<BranchNotAtTimeException>(async () => await IdOfAsync("main@{2026-11-30T08:59:59Z}"))!;
        Assert.That(before.FirstRecorded, Is.EqualTo(Start.AddMinutes(1)));
    }

    [TestCase("main@{2026-11-30T12:00:00}", "no time zone")]
    [TestCase("main@{2026-11-30}", "no time zone")]
    [TestCase("main@{2026-11-30T12:00}", "no time zone")]
    [TestCase("main@{yesterday}", "not an ISO-8601 instant")]
    [TestCase("main@{2026-11-30T12:00:00Z", "closing")]
    [TestCase("main@{2026-13-30T12:00:00Z}", "not an ISO-8601 instant")]
    [TestCase("main@{2026-11-30T12:00:00Z}x", "unexpected 'x'")]
    [TestCase("main~1@{2026-11-30T12:00:00Z}", "follows a branch name")]
    [TestCase("@{2026-11-30T12:00:00Z}", "needs a branch")]
    public void Malformed_or_ambiguous_times_are_refused(string @ref, string message)
    {
        var e = Assert.ThrowsAsync<InvalidRefException>(async () => await IdOfAsync(@ref))!;
        Assert.That(e.Message, Does.Contain(message));
    }

    [Test]
    public async Task Tags_commits_and_unknown_names_are_refused_with_what_to_do()
    {
        var root = await IdOfAsync("main");
        await _repo.TagAsync("v1", "main");
        Assert.That(async () => await IdOfAsync("v1@{2026-11-30T12:00:00Z}"), Throws.TypeOf<InvalidRefException>().With.Message.Contains("takes a branch"));
        Assert.That(async () => await IdOfAsync(root + "@{2026-11-30T12:00:00Z}"), Throws.TypeOf<InvalidRefException>());
        Assert.That(async () => await IdOfAsync("nope@{2026-11-30T12:00:00Z}"), Throws.TypeOf<RefNotFoundException>().With.Message.Contains("no branch 'nope'"));
    }
}
