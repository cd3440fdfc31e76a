using System.Collections.Concurrent;
using System.Globalization;
using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.TestSupport;

namespace LakeFs.Core.Tests;

/// <summary>Concurrent writers and commits: nothing acknowledged is lost, history stays linear. On SQLite and on PostgreSQL refs.</summary>
[TestFixture(RefStoreKind.Sqlite)]
[TestFixture(RefStoreKind.PostgreSql)]
public sealed class RepositoryConcurrencyTests(RefStoreKind kind)
{
    private TempDirectory _temp = null!;
    private TestRefStore? _refs;
    private Repository? _repository;

    private Repository Repo => _repository!;

    [SetUp]
    public async Task SetUpAsync()
    {
        _temp = new TempDirectory();
        _refs = new TestRefStore(kind);
        _repository = await Repository.CreateAsync(_refs.Local(_temp.Path));
    }

    [TearDown]
    public async Task TearDownAsync()
    {
        if (_repository is not null)
        {
            await _repository.DisposeAsync();
        }
        _refs?.Dispose();
        _temp.Dispose();
    }

    private static string Text(int writer, int i) => string.Create(CultureInfo.InvariantCulture, $"writer {writer} write {i}");

    /// <summary>Asserts the log from the branch is one line: each commit's only parent is the next one down.</summary>
    private static async Task<List<Commit>> AssertLinearAsync(Repository repo, string branch)
    {
        var log = await repo.LogAsync(branch).ToListAsync();
        for (var i = 0; i + 1 < log.Count; i++)
        {
            Assert.That(log[i].Parents, Is.EqualTo(new[] { log[i + 1].Id }), $"commit {i} of {log.Count} on {branch}");
        }
        Assert.That(log[^1].Parents, Is.Empty);
        return log;
    }

    [Test]
    public async Task Writes_during_commits_are_never_lost()
    {
        const int Writers = 3;
        const int PerWriter = 80;
        var acknowledged = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var neverDeleted = new ConcurrentQueue<string>();
        var done = 0;
        // Writers pause halfway until a commit has landed, so commits and writes always interleave.
        var firstCommit = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < PerWriter; i++)
            {
                if (i == PerWriter / 2)
                {
                    await firstCommit.Task.WaitAsync(TimeSpan.FromSeconds(60));
                }
                var path = string.Create(CultureInfo.InvariantCulture, $"w{w}/{i:D4}");
                await Repo.PutTextAsync("main", path, Text(w, i));
                acknowledged[path] = Text(w, i);
                if (i % 10 != 4)
                {
                    neverDeleted.Enqueue(path);
                }
                // One path per writer keeps being overwritten: the last acknowledged value must win.
                await Repo.PutTextAsync("main", $"last/{w}", Text(w, i));
                acknowledged[$"last/{w}"] = Text(w, i);
                if (i % 10 == 9)
                {
                    await Repo.DeleteObjectAsync("main", string.Create(CultureInfo.InvariantCulture, $"w{w}/{i - 5:D4}"));
                    acknowledged.TryRemove(string.Create(CultureInfo.InvariantCulture, $"w{w}/{i - 5:D4}"), out _);
                }
            }
            Interlocked.Increment(ref done);
        })).ToArray();

        var commits = 0;
        var committer = Task.Run(async () =>
        {
            while (Volatile.Read(ref done) < Writers)
            {
                try
                {
                    await Repo.CommitAsync("main", $"commit {commits}");
                    commits++;
                    firstCommit.TrySetResult();
                }
                catch (NoChangesException)
                {
                    await Task.Yield();
                }
                // Every acknowledged write is visible on the branch at every moment, committed or not.
                foreach (var path in neverDeleted.ToArray().TakeLast(20))
                {
                    Assert.That((await Repo.StatObjectAsync("main", path)).Path, Is.EqualTo(path));
                }
            }
        });
        await Task.WhenAll([.. writers, committer]);

        // Before the last commit: everything is visible on the branch and listed.
        await AssertBranchShowsAsync("main", acknowledged);
        try
        {
            await Repo.CommitAsync("main", "final");
        }
        catch (NoChangesException)
        {
        }
        await AssertBranchShowsAsync("main@", acknowledged);
        await AssertBranchShowsAsync("main", acknowledged);
        var log = await AssertLinearAsync(Repo, "main");
        Assert.That(log, Has.Count.GreaterThan(1));
        Assert.That(commits, Is.GreaterThan(0), "the committer never committed while writers wrote");
        Assert.ThrowsAsync<NoChangesException>(async () => await Repo.CommitAsync("main", "nothing left"));
    }

    private async Task AssertBranchShowsAsync(string @ref, IReadOnlyDictionary<string, string> expected)
    {
        var listed = await Repo.ListObjectsAsync(@ref).ToListAsync();
        Assert.That(listed.Select(i => i.Path), Is.EqualTo(expected.Keys.Order(StringComparer.Ordinal)), $"listing of {@ref}");
        foreach (var item in listed)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(expected[item.Path]);
            Assert.That(item.Object!.Checksum, Is.EqualTo(TestRepositories.Sha256Hex(bytes)), $"{@ref} {item.Path}");
        }
        foreach (var path in expected.Keys.Where(p => p.StartsWith("last/", StringComparison.Ordinal)))
        {
            Assert.That(await Repo.ReadTextAsync(@ref, path), Is.EqualTo(expected[path]));
        }
    }

    [Test]
    public async Task Two_concurrent_commits_serialize_without_losing_changes()
    {
        var expected = new Dictionary<string, string>(StringComparer.Ordinal);
        var bothSucceeded = 0;
        for (var round = 0; round < 15; round++)
        {
            var before = (await Repo.GetBranchAsync("main")).Head;
            for (var i = 0; i < 10; i++)
            {
                var path = string.Create(CultureInfo.InvariantCulture, $"r{round}/{i}");
                await Repo.PutTextAsync("main", path, path);
                expected[path] = path;
            }
            var first = Task.Run(() => Repo.CommitAsync("main", $"round {round} a"));
            var second = Task.Run(() => Repo.CommitAsync("main", $"round {round} b"));
            var results = new List<Commit>();
            foreach (var task in new[] { first, second })
            {
                try
                {
                    results.Add(await task);
                }
                catch (Exception e) when (e is NoChangesException or ConflictException)
                {
                }
            }
            Assert.That(results, Is.Not.Empty, $"round {round}: neither commit succeeded");
            var ordered = results.OrderBy(c => c.Generation).ToList();
            Assert.That(ordered[0].Parents, Is.EqualTo(new[] { before }), $"round {round}");
            if (ordered.Count == 2)
            {
                bothSucceeded++;
                Assert.That(ordered[1].Parents, Is.EqualTo(new[] { ordered[0].Id }), $"round {round}: the second commit does not follow the first");
            }
            Assert.That((await Repo.GetBranchAsync("main")).Head, Is.EqualTo(ordered[^1].Id));
            Assert.That(await Repo.ListPathsAsync("main@"), Is.EqualTo(expected.Keys.Order(StringComparer.Ordinal)), $"round {round}");
            Assert.That(results.Sum(c => c.Statistics!.Changes), Is.EqualTo(10), $"round {round}: the changes were counted twice or lost");
        }
        await AssertLinearAsync(Repo, "main");
        TestContext.Out.WriteLine($"both commits succeeded in {bothSucceeded} of 15 rounds");
    }

    [Test]
    public async Task Commits_from_two_repository_instances_on_one_folder_serialize()
    {
        await using var other = await Repository.OpenAsync(_refs!.Local(_temp.Path));
        var expected = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var tasks = new[] { Repo, other }.Select((repo, r) => Task.Run(async () =>
        {
            for (var round = 0; round < 10; round++)
            {
                for (var i = 0; i < 5; i++)
                {
                    var path = string.Create(CultureInfo.InvariantCulture, $"repo{r}/{round}/{i}");
                    await repo.PutTextAsync("main", path, path);
                    expected[path] = true;
                }
                try
                {
                    await repo.CommitAsync("main", $"repo {r} round {round}");
                }
                catch (Exception e) when (e is NoChangesException or ConflictException)
                {
                }
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        try
        {
            await Repo.CommitAsync("main", "final");
        }
        catch (NoChangesException)
        {
        }
        Assert.That(await Repo.ListPathsAsync("main@"), Is.EqualTo(expected.Keys.Order(StringComparer.Ordinal)));
        Assert.That(await other.ListPathsAsync("main@"), Is.EqualTo(expected.Keys.Order(StringComparer.Ordinal)));
        await AssertLinearAsync(Repo, "main");
        await AssertLinearAsync(other, "main");
    }

    [Test]
    public async Task Many_parallel_puts_are_all_readable()
    {
        const int Writers = 4;
        const int PerWriter = 500;
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < PerWriter; i++)
            {
                await Repo.PutTextAsync("main", string.Create(CultureInfo.InvariantCulture, $"p/{w}/{i:D4}"), Text(w, i));
            }
        })));

        var listed = await Repo.ListObjectsAsync("main", prefix: "p/").ToListAsync();
        Assert.That(listed, Has.Count.EqualTo(Writers * PerWriter));
        var commit = await Repo.CommitAsync("main", "all");
        Assert.That(commit.Statistics!.Changes, Is.EqualTo(Writers * PerWriter));
        Assert.That(commit.Statistics.RangesWritten, Is.GreaterThan(1), "small ranges should split 2,000 entries");
        for (var w = 0; w < Writers; w++)
        {
            for (var i = 0; i < PerWriter; i += 37)
            {
                Assert.That(await Repo.ReadTextAsync("main@", string.Create(CultureInfo.InvariantCulture, $"p/{w}/{i:D4}")), Is.EqualTo(Text(w, i)));
            }
        }
        var committed = await Repo.ListObjectsAsync("main@").ToListAsync();
        Assert.That(committed.Select(i => i.Path), Is.EqualTo(listed.Select(i => i.Path)));
        Assert.That(committed.Select(i => i.Object!.Checksum), Is.EqualTo(listed.Select(i => i.Object!.Checksum)));
    }
}
