using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace LakeFs.Core.Tests;

/// <summary>Ref expressions: ~N, ^N, @, tags, commit ids and prefixes, and the order names resolve in.</summary>
public sealed class RepositoryRefExpressionTests
{
    private TempDirectory _temp = null!;
    private Repository _repo = null!;
    private FakeTimeProvider _time = null!;
    private Commit _c1 = null!;
    private Commit _c2 = null!;
    private Commit _c3 = null!;
    private string _root = "";

    [SetUp]
    public async Task SetUpAsync()
    {
        _temp = new TempDirectory();
        _time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        _repo = await TestRepositories.CreateLocalAsync(_temp.Path, _time);
        _root = (await _repo.GetBranchAsync("main")).Head;
        _c1 = await CommitTextAsync("main", "f", "one");
        _c2 = await CommitTextAsync("main", "f", "two");
        _c3 = await CommitTextAsync("main", "f", "three");
    }

    [TearDown]
    public async Task TearDownAsync()
    {
        await _repo.DisposeAsync();
        _temp.Dispose();
    }

    private async Task<Commit> CommitTextAsync(string branch, string path, string text)
    {
        await _repo.PutTextAsync(branch, path, text);
        _time.Advance(TimeSpan.FromMinutes(1));
        return await _repo.CommitAsync(branch, $"{path}={text}");
    }

    private async Task<string> IdOfAsync(string @ref) => (await _repo.GetCommitAsync(@ref)).Id;

    [Test]
    public async Task Tilde_and_caret_walk_first_parents()
    {
        Assert.That(await IdOfAsync("main"), Is.EqualTo(_c3.Id));
        Assert.That(await IdOfAsync("main~0"), Is.EqualTo(_c3.Id));
        Assert.That(await IdOfAsync("main~1"), Is.EqualTo(_c2.Id));
        Assert.That(await IdOfAsync("main~"), Is.EqualTo(_c2.Id));
        Assert.That(await IdOfAsync("main~2"), Is.EqualTo(_c1.Id));
        Assert.That(await IdOfAsync("main~3"), Is.EqualTo(_root));
        Assert.That(await IdOfAsync("main^"), Is.EqualTo(_c2.Id));
        Assert.That(await IdOfAsync("main^1"), Is.EqualTo(_c2.Id));
        Assert.That(await IdOfAsync("main^^"), Is.EqualTo(_c1.Id));
        Assert.That(await IdOfAsync("main~1^1"), Is.EqualTo(_c1.Id));
        Assert.That(await IdOfAsync("main^0"), Is.EqualTo(_c3.Id));
        Assert.That(await IdOfAsync("main@~1"), Is.EqualTo(_c2.Id));
        Assert.ThrowsAsync<RefNotFoundException>(async () => await IdOfAsync("main~4"));
        Assert.ThrowsAsync<RefNotFoundException>(async () => await IdOfAsync("main^2"));
    }

    [Test]
    public async Task Reads_through_expressions_see_the_old_snapshots()
    {
        Assert.That(await _repo.ReadTextAsync("main~2", "f"), Is.EqualTo("one"));
        Assert.That(await _repo.ReadTextAsync("main^", "f"), Is.EqualTo("two"));
        Assert.ThrowsAsync<ObjectNotFoundException>(async () => await _repo.StatObjectAsync("main~3", "f"));
        Assert.That(await _repo.ListPathsAsync("main~3"), Is.Empty);
    }

    [Test]
    public async Task Tags_take_steps_too()
    {
        await _repo.TagAsync("v2", "main~1");
        Assert.That(await IdOfAsync("v2"), Is.EqualTo(_c2.Id));
        Assert.That(await IdOfAsync("v2~1"), Is.EqualTo(_c1.Id));
        Assert.That(await IdOfAsync("v2^"), Is.EqualTo(_c1.Id));
        Assert.That(await _repo.ReadTextAsync("v2~1", "f"), Is.EqualTo("one"));
        // A tag names a commit, not a branch: it never sees what the branch stages afterwards.
        await _repo.PutTextAsync("main", "g", "staged");
        Assert.ThrowsAsync<ObjectNotFoundException>(async () => await _repo.StatObjectAsync("v2", "g"));
    }

    [Test]
    public async Task Commit_ids_and_unique_prefixes_resolve()
    {
        Assert.That(await IdOfAsync(_c1.Id), Is.EqualTo(_c1.Id));
        Assert.That(await IdOfAsync(_c1.Id[..12]), Is.EqualTo(_c1.Id));
        Assert.That(await IdOfAsync(_c2.Id + "~1"), Is.EqualTo(_c1.Id));
        Assert.That(await IdOfAsync(_c2.Id[..10] + "^"), Is.EqualTo(_c1.Id));
        Assert.That(await _repo.ReadTextAsync(_c1.Id[..8], "f"), Is.EqualTo("one"));
        // Four characters are enough when they are unique among our four commits.
        var ids = new[] { _root, _c1.Id, _c2.Id, _c3.Id };
        foreach (var id in ids.Where(id => ids.Count(other => other[..4] == id[..4]) == 1))
        {
            Assert.That(await IdOfAsync(id[..4]), Is.EqualTo(id));
        }
        Assert.ThrowsAsync<RefNotFoundException>(async () => await IdOfAsync(_c1.Id[..3]));
    }

    [Test]
    public async Task Commit_ids_and_prefixes_in_upper_case_resolve()
    {
        Assert.That(await IdOfAsync(_c1.Id.ToUpperInvariant()), Is.EqualTo(_c1.Id));
        Assert.That(await IdOfAsync(_c1.Id[..12].ToUpperInvariant()), Is.EqualTo(_c1.Id));
        Assert.That(await IdOfAsync(_c2.Id[..10].ToUpperInvariant() + "~1"), Is.EqualTo(_c1.Id));
        Assert.That(await _repo.ReadTextAsync(_c1.Id[..8].ToUpperInvariant(), "f"), Is.EqualTo("one"));
        Assert.ThrowsAsync<RefNotFoundException>(async () => await IdOfAsync("FFFF" + new string('0', 60)));
    }

    [Test]
    public async Task An_ambiguous_prefix_is_an_invalid_ref_and_a_longer_one_resolves()
    {
        // Make empty commits until two share their first four hex digits (~300 expected, 65,536 buckets).
        var byPrefix = new Dictionary<string, string>(StringComparer.Ordinal);
        string? first = null;
        string? second = null;
        for (var i = 0; i < 5000 && second is null; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            var commit = await _repo.CommitAsync("main", $"empty {i}", new CommitOptions { AllowEmpty = true });
            if (byPrefix.TryGetValue(commit.Id[..4], out var other))
            {
                (first, second) = (other, commit.Id);
            }
            byPrefix[commit.Id[..4]] = commit.Id;
        }
        Assert.That(second, Is.Not.Null, "no two commits shared a 4-digit prefix");
        var before = await _repo.SnapshotAsync();
        Assert.ThrowsAsync<InvalidRefException>(async () => await IdOfAsync(first![..4]));
        Assert.ThrowsAsync<InvalidRefException>(async () => await _repo.BranchAsync("x", first![..4]));
        Assert.That(await _repo.SnapshotAsync(), Is.EqualTo(before));
        var common = Enumerable.Range(4, 60).First(n => first![..n] != second![..n]);
        Assert.That(await IdOfAsync(first![..common]), Is.EqualTo(first));
        Assert.That(await IdOfAsync(second![..common]), Is.EqualTo(second));
    }

    [Test]
    public async Task At_sign_hides_staged_changes()
    {
        await _repo.PutTextAsync("main", "f", "staged");
        await _repo.PutTextAsync("main", "new", "new");
        await _repo.DeleteObjectAsync("main", "f");
        await _repo.PutTextAsync("main", "f", "again");
        Assert.That(await _repo.ReadTextAsync("main", "f"), Is.EqualTo("again"));
        Assert.That(await _repo.ReadTextAsync("main@", "f"), Is.EqualTo("three"));
        Assert.That(await _repo.ListPathsAsync("main"), Is.EqualTo(new[] { "f", "new" }));
        Assert.That(await _repo.ListPathsAsync("main@"), Is.EqualTo(new[] { "f" }));
        Assert.ThrowsAsync<ObjectNotFoundException>(async () => await _repo.StatObjectAsync("main@", "new"));
        Assert.That(await IdOfAsync("main@"), Is.EqualTo(_c3.Id));
        Assert.That(await IdOfAsync("main"), Is.EqualTo(_c3.Id));

        await _repo.DeleteObjectAsync("main", "f");
        Assert.ThrowsAsync<ObjectNotFoundException>(async () => await _repo.StatObjectAsync("main", "f"));
        Assert.That(await _repo.ReadTextAsync("main@", "f"), Is.EqualTo("three"));
        // '@' on a tag or a commit id changes nothing: they have no staged changes.
        Assert.That(await _repo.ReadTextAsync(_c3.Id + "@", "f"), Is.EqualTo("three"));
    }

    [Test]
    public async Task A_branch_and_a_tag_never_share_a_name_so_a_name_means_one_thing()
    {
        await _repo.TagAsync("release", "main~2");
        Assert.ThrowsAsync<TagAlreadyExistsException>(async () => await _repo.BranchAsync("release", "main"));
        Assert.That(await IdOfAsync("release"), Is.EqualTo(_c1.Id));
        Assert.That(await _repo.ReadTextAsync("release", "f"), Is.EqualTo("one"));

        await _repo.DeleteTagAsync("release");
        await _repo.BranchAsync("release", "main");
        Assert.ThrowsAsync<BranchAlreadyExistsException>(async () => await _repo.TagAsync("release", "main~2"));
        Assert.That(await IdOfAsync("release"), Is.EqualTo(_c3.Id));
        Assert.That(await IdOfAsync("release~1"), Is.EqualTo(_c2.Id));
    }

    [Test]
    public async Task A_full_commit_id_cannot_name_a_branch_but_a_prefix_can()
    {
        Assert.ThrowsAsync<InvalidNameException>(async () => await _repo.BranchAsync(_c1.Id, "main"));
        Assert.That(await IdOfAsync(_c1.Id), Is.EqualTo(_c1.Id));
        // A branch or tag named like a prefix wins over the prefix; the full id still names the commit.
        await _repo.BranchAsync(_c1.Id[..8], "main");
        Assert.That(await IdOfAsync(_c1.Id[..8]), Is.EqualTo(_c3.Id));
        Assert.That(await IdOfAsync(_c1.Id), Is.EqualTo(_c1.Id));
        await _repo.TagAsync(_c2.Id[..8], _root);
        Assert.That(await IdOfAsync(_c2.Id[..8]), Is.EqualTo(_root));
    }

    [Test]
    public async Task A_branch_created_from_an_expression_starts_there()
    {
        var info = await _repo.BranchAsync("old", "main~2");
        Assert.That(info.Head, Is.EqualTo(_c1.Id));
        Assert.That(await _repo.ReadTextAsync("old", "f"), Is.EqualTo("one"));
        await _repo.PutTextAsync("main", "staged", "x");
        var fromBranch = await _repo.BranchAsync("copy", "main");
        Assert.That(fromBranch.Head, Is.EqualTo(_c3.Id));
        Assert.That(await _repo.ListPathsAsync("copy"), Is.EqualTo(new[] { "f" }), "a new branch starts from the head commit, without the source's staged changes");
    }
}
