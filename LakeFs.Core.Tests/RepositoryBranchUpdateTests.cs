using System.Collections.Concurrent;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.TestSupport;

namespace LakeFs.Core.Tests;

/// <summary>
/// The one branch-update path under contention: commits, merges and resets of one branch from many tasks and two
/// repository instances (as two processes would: each its own caches and gates, one ref store) never give up,
/// never lose an update, and never let one update undo another.
/// </summary>
[TestFixture(RefStoreKind.Sqlite)]
[TestFixture(RefStoreKind.PostgreSql)]
public sealed class RepositoryBranchUpdateTests(RefStoreKind kind)
{
    private TempDirectory _temp = null!;
    private TestRefStore? _refs;

    [SetUp]
    public void SetUp()
    {
        _temp = new TempDirectory();
        _refs = new TestRefStore(kind);
    }

    [TearDown]
    public void TearDown()
    {
        _refs?.Dispose();
        _temp.Dispose();
    }

    private Task<Repository> CreateFirstAsync() => Repository.CreateAsync(_refs!.Local(_temp.Path));

    private Task<Repository> OpenSecondAsync() => Repository.OpenAsync(_refs!.Local(_temp.Path));

    [Test]
    public async Task Eight_tasks_committing_and_merging_into_one_branch_all_succeed_and_nothing_is_lost()
    {
        await using var first = await CreateFirstAsync();
        await using var second = await OpenSecondAsync();
        var onMain = new ConcurrentBag<string>();
        var merged = new ConcurrentBag<(string FeatureCommit, string Path)>();
        var failures = new ConcurrentQueue<Exception>();
        // A number of rounds, not a time: on a loaded machine a time-boxed task may not finish one round.
        const int Rounds = 20;
        var tasks = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            var repo = i < 4 ? first : second;
            var feature = $"feature-{i}";
            if (i % 2 == 1)
            {
                await repo.BranchAsync(feature, "main");
            }
            for (var n = 0; n < Rounds; n++)
            {
                try
                {
                    if (i % 2 == 0)
                    {
                        // Commits that change nothing still move the head: the most contended update there is.
                        var commit = await repo.CommitAsync("main", $"task {i} commit {n}", new CommitOptions { AllowEmpty = true });
                        onMain.Add(commit.Id);
                    }
                    else
                    {
                        var path = $"{feature}/{n:D5}.txt";
                        await repo.PutTextAsync(feature, path, $"task {i} write {n}");
                        var featureCommit = await repo.CommitAsync(feature, $"task {i} feature {n}");
                        var result = await repo.MergeAsync(feature, "main", new MergeOptions { FastForward = FastForward.Never });
                        onMain.Add(result.Head);
                        merged.Add((featureCommit.Id, path));
                    }
                }
#pragma warning disable CA1031 // Every failure is collected and reported below.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    failures.Enqueue(e);
                    return;
                }
            }
        })).ToArray();
        await Task.WhenAll(tasks);

        Assert.That(failures, Is.Empty, string.Join("\n", failures.Select(e => e.GetType().Name + ": " + e.Message)));
        Assert.That(merged, Has.Count.EqualTo(4 * Rounds));
        Assert.That(onMain, Has.Count.EqualTo(8 * Rounds), "every commit and merge on main was acknowledged");
        var firstParentLine = (await first.LogAsync("main", new LogOptions { FirstParent = true }).ToListAsync()).Select(c => c.Id).ToHashSet();
        Assert.That(onMain.Where(id => !firstParentLine.Contains(id)), Is.Empty, "every acknowledged update is on main's first-parent line: none undid another");
        Assert.That(firstParentLine, Has.Count.EqualTo(onMain.Count + 1), "main moved once per acknowledged update (plus its first commit), never on its own");
        var history = (await second.LogAsync("main").ToListAsync()).Select(c => c.Id).ToHashSet();
        Assert.That(merged.Where(m => !history.Contains(m.FeatureCommit)), Is.Empty, "every merged feature commit is in main's history");
        var paths = (await second.ListPathsAsync("main")).ToHashSet();
        Assert.That(merged.Where(m => !paths.Contains(m.Path)), Is.Empty, "every merged object is on main");
    }

    [Test]
    public async Task Resets_racing_commits_and_writes_lose_only_what_they_reset()
    {
        await using var first = await CreateFirstAsync();
        await using var second = await OpenSecondAsync();
        var committed = new ConcurrentBag<string>();
        var failures = new ConcurrentQueue<Exception>();
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                await first.PutTextAsync("main", $"w/{n:D6}.txt", "x");
            }
        });
        var updaters = Enumerable.Range(0, 4).Select(i => Task.Run(async () =>
        {
            var repo = i % 2 == 0 ? first : second;
            for (var n = 0; n < 40; n++)
            {
                try
                {
                    if (i < 2)
                    {
                        var commit = await repo.CommitAsync("main", $"task {i} commit {n}", new CommitOptions { AllowEmpty = true });
                        committed.Add(commit.Id);
                    }
                    else
                    {
                        await repo.ResetAsync("main");
                    }
                }
#pragma warning disable CA1031 // Every failure is collected and reported below.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    failures.Enqueue(e);
                    return;
                }
            }
        })).ToArray();
        await Task.WhenAll(updaters);
        await stop.CancelAsync();
        await writer;

        Assert.That(failures, Is.Empty, string.Join("\n", failures.Select(e => e.GetType().Name + ": " + e.Message)));
        var line = (await first.LogAsync("main").ToListAsync()).Select(c => c.Id).ToList();
        Assert.That(committed.Where(id => !line.Contains(id)), Is.Empty, "a reset never moved the head back");
        Assert.That(line, Has.Count.EqualTo(committed.Count + 1));
        // What is on main now is what was committed plus what is staged; a reset now leaves exactly the committed tree.
        await second.ResetAsync("main");
        Assert.That(await first.DiffUncommittedAsync("main").ToListAsync(), Is.Empty);
        Assert.That(await first.ListPathsAsync("main"), Is.EqualTo(await first.ListPathsAsync("main@")));
    }
}
