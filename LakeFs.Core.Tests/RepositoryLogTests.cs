using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace LakeFs.Core.Tests;

/// <summary>Log: newest first, limit, first parent, and path / prefix filters.</summary>
public sealed class RepositoryLogTests
{
    private TempDirectory _temp = null!;
    private Repository _repo = null!;
    private FakeTimeProvider _time = null!;

    [SetUp]
    public async Task SetUpAsync()
    {
        _temp = new TempDirectory();
        _time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        _repo = await TestRepositories.CreateLocalAsync(_temp.Path, _time);
    }

    [TearDown]
    public async Task TearDownAsync()
    {
        await _repo.DisposeAsync();
        _temp.Dispose();
    }

    private async Task<Commit> CommitAsync(string branch, string message, params (string Path, string? Text)[] changes)
    {
        foreach (var (path, text) in changes)
        {
            if (text is null)
            {
                await _repo.DeleteObjectAsync(branch, path);
            }
            else
            {
                await _repo.PutTextAsync(branch, path, text);
            }
        }
        _time.Advance(TimeSpan.FromMinutes(1));
        return await _repo.CommitAsync(branch, message);
    }

    private async Task<List<string>> MessagesAsync(string @ref, LogOptions? options = null) =>
        (await _repo.LogAsync(@ref, options).ToListAsync()).Select(c => c.Message).ToList();

    [Test]
    public async Task Log_is_newest_first_and_ends_at_the_first_commit()
    {
        await CommitAsync("main", "one", ("a", "1"));
        await CommitAsync("main", "two", ("b", "1"));
        await CommitAsync("main", "three", ("a", "2"));
        Assert.That(await MessagesAsync("main"), Is.EqualTo(new[] { "three", "two", "one", "Repository created" }));
        Assert.That(await MessagesAsync("main~1"), Is.EqualTo(new[] { "two", "one", "Repository created" }));

        var log = await _repo.LogAsync("main").ToListAsync();
        for (var i = 0; i + 1 < log.Count; i++)
        {
            Assert.That(log[i].Parents, Is.EqualTo(new[] { log[i + 1].Id }));
            Assert.That(log[i].Generation, Is.EqualTo(log[i + 1].Generation + 1));
        }
        Assert.That(log[^1].Parents, Is.Empty);
    }

    [Test]
    public async Task Log_stays_in_graph_order_when_the_clock_goes_backwards()
    {
        await CommitAsync("main", "one", ("a", "1"));
        _time.AdjustTime(_time.GetUtcNow() - TimeSpan.FromDays(1));
        await _repo.PutTextAsync("main", "a", "2");
        await _repo.CommitAsync("main", "two (clock skew)");
        var messages = await MessagesAsync("main");
        Assert.That(messages, Has.Count.EqualTo(3));
        Assert.That(messages[0], Is.EqualTo("two (clock skew)"), "the head must come first even when its time is older than its parent's");
    }

    /// <summary>
    /// A log from a fresh open reads ancestors a page of first-parent line at a time; with merges, more commits than
    /// a page and a commit cache of one entry, it still returns every commit once, newest first, as following the
    /// parents one by one does.
    /// </summary>
    [Test]
    public async Task A_long_history_with_merges_logs_whole_from_a_fresh_open_with_a_tiny_cache()
    {
        for (var i = 0; i < 40; i++)
        {
            await CommitAsync("main", $"main {i}", ("m", $"{i}"));
            if (i % 10 == 0)
            {
                await _repo.BranchAsync($"side{i}", "main");
                for (var j = 0; j < 25; j++)
                {
                    await CommitAsync($"side{i}", $"side{i} {j}", ($"s{i}", $"{j}"));
                }
                _time.Advance(TimeSpan.FromMinutes(1));
                await _repo.MergeAsync($"side{i}", "main");
            }
        }
        var expected = new List<Commit>();
        var pending = new Stack<string>([(await _repo.GetCommitAsync("main")).Id]);
        var seen = new HashSet<string>();
        while (pending.TryPop(out var id))
        {
            if (seen.Add(id))
            {
                var commit = await _repo.GetCommitAsync(id);
                expected.Add(commit);
                foreach (var parent in commit.Parents)
                {
                    pending.Push(parent);
                }
            }
        }
        expected = [.. expected.OrderByDescending(c => (c.CreationDate, c.Generation))];
        await _repo.DisposeAsync();

        _repo = await Repository.OpenAsync(Repository.LocalOptions(_temp.Path) with { Tree = TestRepositories.SmallTree, CommitCacheSize = 1 });
        var log = await _repo.LogAsync("main").ToListAsync();

        Assert.That(expected, Has.Count.GreaterThan(100));
        Assert.That(log.Select(c => c.Id), Is.EqualTo(expected.Select(c => c.Id)));
        Assert.That(log, Is.EqualTo(expected).Using<Commit>((a, b) => a.Id == b.Id && a.Message == b.Message && a.Parents.SequenceEqual(b.Parents)));
    }

    [Test]
    public async Task Limit_stops_the_log()
    {
        for (var i = 0; i < 5; i++)
        {
            await CommitAsync("main", $"c{i}", ("a", i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        Assert.That(await MessagesAsync("main", new LogOptions { Limit = 2 }), Is.EqualTo(new[] { "c4", "c3" }));
        Assert.That(await MessagesAsync("main", new LogOptions { Limit = 0 }), Is.Empty);
        Assert.That(await MessagesAsync("main", new LogOptions { Limit = 100 }), Has.Count.EqualTo(6));
        Assert.That(await MessagesAsync("main", new LogOptions { Limit = 1, Paths = ["a"] }), Is.EqualTo(new[] { "c4" }));
        Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await _repo.LogAsync("main", new LogOptions { Limit = -1 }).ToListAsync());
    }

    [Test]
    public async Task Branch_logs_share_history_up_to_the_fork()
    {
        await CommitAsync("main", "base", ("a", "1"));
        await _repo.BranchAsync("dev", "main");
        await CommitAsync("dev", "dev-1", ("d", "1"));
        await CommitAsync("main", "main-1", ("m", "1"));
        await CommitAsync("dev", "dev-2", ("d", "2"));
        Assert.That(await MessagesAsync("dev"), Is.EqualTo(new[] { "dev-2", "dev-1", "base", "Repository created" }));
        Assert.That(await MessagesAsync("main"), Is.EqualTo(new[] { "main-1", "base", "Repository created" }));
        Assert.That(await MessagesAsync("dev", new LogOptions { FirstParent = true }), Is.EqualTo(new[] { "dev-2", "dev-1", "base", "Repository created" }));
    }

    [Test]
    public async Task Path_filter_keeps_only_commits_that_changed_the_path()
    {
        await CommitAsync("main", "add a", ("a", "1"), ("b/x", "1"));
        await CommitAsync("main", "change b/x", ("b/x", "2"));
        await CommitAsync("main", "add b/y", ("b/y", "1"));
        await CommitAsync("main", "change a", ("a", "2"));
        await CommitAsync("main", "add c", ("c", "1"));
        await CommitAsync("main", "delete a", ("a", null));
        await CommitAsync("main", "add ab", ("ab", "1"));

        Assert.That(await MessagesAsync("main", new LogOptions { Paths = ["a"] }), Is.EqualTo(new[] { "delete a", "change a", "add a" }));
        Assert.That(await MessagesAsync("main", new LogOptions { Paths = ["b/x"] }), Is.EqualTo(new[] { "change b/x", "add a" }));
        Assert.That(await MessagesAsync("main", new LogOptions { Paths = ["b/x", "c"] }), Is.EqualTo(new[] { "add c", "change b/x", "add a" }));
        Assert.That(await MessagesAsync("main", new LogOptions { Paths = ["never"] }), Is.Empty);
        Assert.That(await MessagesAsync("main", new LogOptions { Prefixes = ["b/"] }), Is.EqualTo(new[] { "add b/y", "change b/x", "add a" }));
        Assert.That(await MessagesAsync("main", new LogOptions { Prefixes = ["a"] }), Is.EqualTo(new[] { "add ab", "delete a", "change a", "add a" }));
        Assert.That(await MessagesAsync("main", new LogOptions { Prefixes = ["b/"], Paths = ["c"] }), Is.EqualTo(new[] { "add c", "add b/y", "change b/x", "add a" }));
        Assert.That(await MessagesAsync("main~3", new LogOptions { Paths = ["a"] }), Is.EqualTo(new[] { "change a", "add a" }));
    }

    [Test]
    public async Task Path_filter_ignores_rewrites_of_identical_content()
    {
        await CommitAsync("main", "add", ("a", "1"), ("b", "1"));
        await CommitAsync("main", "rewrite a, change b", ("a", "1"), ("b", "2"));
        Assert.That(await MessagesAsync("main", new LogOptions { Paths = ["a"] }), Is.EqualTo(new[] { "add" }));
        Assert.That(await MessagesAsync("main", new LogOptions { Paths = ["b"] }), Is.EqualTo(new[] { "rewrite a, change b", "add" }));
    }

    [Test]
    public async Task Path_filter_finds_changes_in_multi_range_trees()
    {
        // Enough objects to span several small ranges; each later commit touches one path.
        for (var i = 0; i < 200; i++)
        {
            await _repo.PutTextAsync("main", $"data/{i:D4}", $"v0-{i}");
        }
        await CommitAsync("main", "load");
        foreach (var i in new[] { 7, 150, 7, 99 })
        {
            await CommitAsync("main", $"touch {i}", ($"data/{i:D4}", $"v-{_time.GetUtcNow().Ticks}"));
        }
        Assert.That(await MessagesAsync("main", new LogOptions { Paths = ["data/0007"] }), Is.EqualTo(new[] { "touch 7", "touch 7", "load" }));
        Assert.That(await MessagesAsync("main", new LogOptions { Paths = ["data/0150"] }), Is.EqualTo(new[] { "touch 150", "load" }));
        Assert.That(await MessagesAsync("main", new LogOptions { Paths = ["data/0100"] }), Is.EqualTo(new[] { "load" }));
        Assert.That(await MessagesAsync("main", new LogOptions { Prefixes = ["data/01"] }), Is.EqualTo(new[] { "touch 150", "load" }));
    }

    [Test]
    public async Task Identical_empty_commits_on_two_branches_share_one_id_and_both_logs_stay_whole()
    {
        // Same parent, tree, message, committer and time: content addressing gives both commits one id.
        await CommitAsync("main", "base", ("a", "1"));
        await _repo.BranchAsync("left", "main");
        await _repo.BranchAsync("right", "main");
        var left = await _repo.CommitAsync("left", "same", new CommitOptions { AllowEmpty = true });
        var right = await _repo.CommitAsync("right", "same", new CommitOptions { AllowEmpty = true });
        Assert.That(right.Id, Is.EqualTo(left.Id));
        Assert.That((await _repo.GetBranchAsync("right")).Head, Is.EqualTo(right.Id));
        Assert.That(await MessagesAsync("left"), Is.EqualTo(new[] { "same", "base", "Repository created" }));
        Assert.That(await MessagesAsync("right"), Is.EqualTo(new[] { "same", "base", "Repository created" }));
        Assert.That(await _repo.ReadTextAsync("right@", "a"), Is.EqualTo("1"));
    }

    [Test]
    public void Log_filters_reject_bad_paths()
    {
        Assert.ThrowsAsync<InvalidPathException>(async () => await _repo.LogAsync("main", new LogOptions { Paths = ["../a"] }).ToListAsync());
        Assert.ThrowsAsync<RefNotFoundException>(async () => await _repo.LogAsync("nope").ToListAsync());
    }
}
