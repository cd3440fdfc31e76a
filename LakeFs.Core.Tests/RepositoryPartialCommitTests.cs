using System.Collections.Concurrent;
using System.Globalization;
using LakeFs.Core.Errors;
using LakeFs.Core.Hooks;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.TestSupport;

namespace LakeFs.Core.Tests;

/// <summary>Partial commits (CommitOptions.Paths / Prefixes): only the named staged changes are committed, the rest stays staged.</summary>
public sealed class RepositoryPartialCommitTests
{
    private TempDirectory _temp = null!;
    private Repository _repo = null!;

    [SetUp]
    public async Task SetUpAsync()
    {
        _temp = new TempDirectory();
        _repo = await TestRepositories.CreateLocalAsync(_temp.Path);
    }

    [TearDown]
    public async Task TearDownAsync()
    {
        await _repo.DisposeAsync();
        _temp.Dispose();
    }

    private async Task<Dictionary<string, string>> ContentAsync(string @ref)
    {
        var content = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in await _repo.ListPathsAsync(@ref))
        {
            content[path] = await _repo.ReadTextAsync(@ref, path);
        }
        return content;
    }

    private async Task<List<string>> UncommittedAsync(string branch) =>
        (await _repo.DiffUncommittedAsync(branch).ToListAsync()).Select(c => c.Path).ToList();

    [Test]
    public async Task Only_the_named_paths_and_prefixes_are_committed_and_the_rest_stays_staged()
    {
        await _repo.PutTextAsync("main", "a/old", "1");
        await _repo.PutTextAsync("main", "b/old", "1");
        var head = await _repo.CommitAsync("main", "base");

        await _repo.PutTextAsync("main", "a/1", "new");
        await _repo.PutTextAsync("main", "a/2", "new");
        await _repo.DeleteObjectAsync("main", "a/old");
        await _repo.PutTextAsync("main", "ab", "not under a/");
        await _repo.PutTextAsync("main", "b/1", "new");
        await _repo.DeleteObjectAsync("main", "b/old");
        await _repo.PutTextAsync("main", "c", "named");
        await _repo.PutTextAsync("main", "c2", "not named");

        var commit = await _repo.CommitAsync("main", "part", new CommitOptions { Paths = ["c"], Prefixes = ["a/"] });

        Assert.That(commit.Parents, Is.EqualTo(new[] { head.Id }));
        Assert.That(await ContentAsync(commit.Id), Is.EqualTo(new Dictionary<string, string>
        {
            ["a/1"] = "new", ["a/2"] = "new", ["b/old"] = "1", ["c"] = "named",
        }));
        Assert.That(await UncommittedAsync("main"), Is.EqualTo(new[] { "ab", "b/1", "b/old", "c2" }));
        Assert.That(await ContentAsync("main"), Is.EqualTo(new Dictionary<string, string>
        {
            ["a/1"] = "new", ["a/2"] = "new", ["ab"] = "not under a/", ["b/1"] = "new", ["c"] = "named", ["c2"] = "not named",
        }));

        var rest = await _repo.CommitAsync("main", "rest");
        Assert.That(await ContentAsync(rest.Id), Is.EqualTo(await ContentAsync("main")));
        Assert.That(await UncommittedAsync("main"), Is.Empty);
    }

    [Test]
    public async Task A_newer_write_over_a_row_left_staged_wins_and_later_partial_commits_take_it()
    {
        await _repo.PutTextAsync("main", "a/1", "v1");
        await _repo.PutTextAsync("main", "b/1", "v1");
        await _repo.CommitAsync("main", "b", new CommitOptions { Prefixes = ["b/"] });
        // a/1 = v1 stays in a frozen area; v2 goes to the current one, above it.
        await _repo.PutTextAsync("main", "a/1", "v2");
        Assert.That(await _repo.ReadTextAsync("main", "a/1"), Is.EqualTo("v2"));
        await _repo.PutTextAsync("main", "b/1", "v2");

        var a = await _repo.CommitAsync("main", "a", new CommitOptions { Paths = ["a/1"] });
        Assert.That(await _repo.ReadTextAsync(a.Id, "a/1"), Is.EqualTo("v2"));
        Assert.That(await _repo.ReadTextAsync(a.Id, "b/1"), Is.EqualTo("v1"));
        Assert.That(await UncommittedAsync("main"), Is.EqualTo(new[] { "b/1" }));
        Assert.That(await _repo.ReadTextAsync("main", "b/1"), Is.EqualTo("v2"));

        // Many partial commits in a row leave nothing behind: the areas they empty are retired.
        for (var i = 0; i < 5; i++)
        {
            await _repo.PutTextAsync("main", $"x/{i}", "x");
            await _repo.PutTextAsync("main", $"y/{i}", "y");
            await _repo.CommitAsync("main", $"x{i}", new CommitOptions { Prefixes = ["x/"] });
        }
        await _repo.CommitAsync("main", "y", new CommitOptions { Prefixes = ["y/", "b/"] });
        Assert.That(await UncommittedAsync("main"), Is.Empty);
        var branch = await _repo.Refs.GetBranchAsync("main", CancellationToken.None);
        Assert.That(branch!.FrozenTokens, Is.Empty, "every frozen area was emptied and retired");
    }

    [Test]
    public async Task Nothing_staged_at_the_named_paths_is_no_change_and_keeps_the_rest()
    {
        await _repo.PutTextAsync("main", "b/1", "new");
        Assert.ThrowsAsync<NoChangesException>(async () => await _repo.CommitAsync("main", "none", new CommitOptions { Prefixes = ["a/"] }));
        Assert.That(await UncommittedAsync("main"), Is.EqualTo(new[] { "b/1" }));
        var allowed = await _repo.CommitAsync("main", "empty", new CommitOptions { Prefixes = ["a/"], AllowEmpty = true });
        Assert.That(await _repo.ListPathsAsync(allowed.Id), Is.Empty);
        Assert.That(await UncommittedAsync("main"), Is.EqualTo(new[] { "b/1" }));
    }

    [TestCase(new[] { "a", "a" }, null, "twice")]
    [TestCase(null, new[] { "p/", "p/" }, "twice")]
    [TestCase(null, new[] { "" }, "empty prefix")]
    [TestCase(new string[0], new string[0], "name nothing")]
    [TestCase(new[] { "/a" }, null, "")]
    [TestCase(new[] { "a/../b" }, null, "")]
    [TestCase(new[] { "" }, null, "empty")]
    public async Task Bad_selections_are_refused_before_anything_changes(string[]? paths, string[]? prefixes, string message)
    {
        await _repo.PutTextAsync("main", "a", "1");
        var head = (await _repo.GetBranchAsync("main")).Head;
        var e = Assert.ThrowsAsync<InvalidPathException>(async () =>
            await _repo.CommitAsync("main", "bad", new CommitOptions { Paths = paths, Prefixes = prefixes }))!;
        Assert.That(e.Message, Does.Contain(message));
        Assert.That((await _repo.GetBranchAsync("main")).Head, Is.EqualTo(head));
        Assert.That(await UncommittedAsync("main"), Is.EqualTo(new[] { "a" }));
    }

    [Test]
    public async Task Hooks_see_only_the_committed_changes()
    {
        await _repo.PutTextAsync("main", "a/1", "1");
        await _repo.PutTextAsync("main", "b/1", "1");
        var seen = new List<string>();
        using var hook = _repo.Hooks.On(HookEvent.PreCommit, "look", async (context, token) =>
        {
            await foreach (var change in context.GetChangesAsync(token))
            {
                seen.Add(change.Path);
            }
            return HookResult.Success;
        });
        await _repo.CommitAsync("main", "a", new CommitOptions { Prefixes = ["a/"] });
        Assert.That(seen, Is.EqualTo(new[] { "a/1" }));
    }

    private static string Value(int writer, int i) => string.Create(CultureInfo.InvariantCulture, $"w{writer}-{i:D5}");

    [Test]
    public async Task Under_concurrent_writers_the_commit_is_the_head_plus_the_named_changes_and_no_write_is_lost()
    {
        const int Writers = 3;
        await _repo.PutTextAsync("main", "sel/base", "base");
        await _repo.PutTextAsync("main", "other/base", "base");
        var head = await _repo.CommitAsync("main", "base");
        await _repo.DeleteObjectAsync("main", "sel/base");
        // path → the last value acknowledged there; each path has one writer, so "last" is well defined.
        var acknowledged = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        for (var w = 0; w < Writers; w++)
        {
            await _repo.PutTextAsync("main", $"sel/p{w}", Value(w, 0));
            await _repo.PutTextAsync("main", $"other/p{w}", Value(w, 0));
            acknowledged[$"sel/p{w}"] = Value(w, 0);
            acknowledged[$"other/p{w}"] = Value(w, 0);
        }
        acknowledged["other/base"] = "base";

        var stop = 0;
        var progress = new int[Writers];
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var i = 1; Volatile.Read(ref stop) == 0 || i < 40; i++)
            {
                foreach (var path in (string[])[$"sel/w{w}/{i:D5}", $"other/w{w}/{i:D5}", $"sel/p{w}", $"other/p{w}"])
                {
                    await _repo.PutTextAsync("main", path, Value(w, i));
                    acknowledged[path] = Value(w, i);
                }
                Volatile.Write(ref progress[w], i);
            }
        })).ToArray();
        while (progress.Any(p => Volatile.Read(ref p) < 10))
        {
            await Task.Delay(1);
        }
        var before = new Dictionary<string, string>(acknowledged, StringComparer.Ordinal);
        var commit = await _repo.CommitAsync("main", "sel", new CommitOptions { Prefixes = ["sel/"] });
        Volatile.Write(ref stop, 1);
        await Task.WhenAll(writers);

        var committed = await ContentAsync(commit.Id);
        // Outside the prefix: exactly the head.
        Assert.That(committed.Where(kv => !kv.Key.StartsWith("sel/", StringComparison.Ordinal)), Is.EquivalentTo(await ContentAsync(head.Id)
            .ContinueWith(t => t.Result.Where(kv => !kv.Key.StartsWith("sel/", StringComparison.Ordinal)), TaskScheduler.Default)));
        Assert.That(committed.ContainsKey("sel/base"), Is.False, "the staged delete is committed");
        // Under it: everything acknowledged before the commit started, at that value or a later one of its writer,
        // and nothing that was never acknowledged.
        foreach (var (path, value) in before.Where(kv => kv.Key.StartsWith("sel/", StringComparison.Ordinal)))
        {
            Assert.That(committed.TryGetValue(path, out var got), Is.True, path);
            Assert.That(string.CompareOrdinal(got, value), Is.GreaterThanOrEqualTo(0), path);
        }
        foreach (var (path, value) in committed.Where(kv => kv.Key.StartsWith("sel/", StringComparison.Ordinal)))
        {
            Assert.That(acknowledged.TryGetValue(path, out var last), Is.True, path);
            Assert.That(string.CompareOrdinal(value, last), Is.LessThanOrEqualTo(0), path);
        }
        // The branch shows every acknowledged write; everything outside the prefix is still uncommitted.
        var view = await ContentAsync("main");
        Assert.That(view, Is.EquivalentTo(acknowledged));
        var uncommitted = (await UncommittedAsync("main")).ToHashSet(StringComparer.Ordinal);
        Assert.That(acknowledged.Keys.Where(p => p.StartsWith("other/", StringComparison.Ordinal) && p != "other/base"), Is.SubsetOf(uncommitted));
        // And a whole commit then takes exactly the branch's view.
        var rest = await _repo.CommitAsync("main", "rest");
        Assert.That(await ContentAsync(rest.Id), Is.EquivalentTo(acknowledged));
    }
}
