using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.TestSupport;

namespace LakeFs.Core.Tests;

/// <summary>
/// Merges in criss-cross histories depend on the history only. Commit ids hash the commit time, so one history
/// built twice with different clocks has different ids: every merge (its conflicts, or the tree it makes) and every
/// merge base's content must still come out the same. (Agreement with git is RepositoryGitOracleTests' business.)
/// </summary>
public class RepositoryCrissCrossMergeTests
{
    private const int Steps = 150;

    private static readonly string[] Paths = ["p1", "p2", "p3", "p4", "p5"];
    private static readonly string[] Contents = ["a", "b", "c"];
    private static readonly string[] BranchNames = ["main", "b1", "b2", "b3"];

    // Seeds whose histories hold criss-cross merges whose bases tie on generation, and which merged differently
    // with different clocks before merges used a virtual base.
    [TestCase(2)]
    [TestCase(5)]
    [TestCase(8)]
    public async Task The_same_history_merges_alike_whatever_the_clock(int seed)
    {
        var first = await BuildAsync(seed, new JumpingClock(clockSeed: 100));
        var second = await BuildAsync(seed, new JumpingClock(clockSeed: 200));

        var differing = first.Outcomes.Zip(second.Outcomes).FirstOrDefault(p => p.First != p.Second);
        Assert.That(second.Outcomes, Is.EqualTo(first.Outcomes), $"first difference:\n  {differing.First}\n  {differing.Second}");
        // Merges where the bases tie on generation: there the old rule (highest generation, then smallest id)
        // picked a base by the clock.
        Assert.That(first.TiedCrissCrossMerges, Is.GreaterThan(0), "the history has criss-cross merges whose bases tie on generation");
    }

    [Test]
    public async Task Merge_bases_come_in_generation_order_and_the_single_merge_base_is_the_last()
    {
        using var dir = new TempDirectory();
        await using var repo = await TestRepositories.CreateLocalAsync(dir.Path);
        await repo.PutTextAsync("main", "p", "0");
        await repo.CommitAsync("main", "base");
        await repo.BranchAsync("a", "main");
        await repo.BranchAsync("b", "main");
        await repo.PutTextAsync("a", "p", "a1");
        await repo.CommitAsync("a", "a1");
        await repo.PutTextAsync("b", "q", "b1");
        await repo.CommitAsync("b", "b1");
        await repo.PutTextAsync("b", "q", "b2");
        await repo.CommitAsync("b", "b2");
        var a1 = (await repo.GetBranchAsync("a")).Head;
        var b2 = (await repo.GetBranchAsync("b")).Head;
        // Criss-cross: each side merges the other's tip (generations 3 and 4).
        await repo.BranchAsync("a-tip", "a");
        await repo.MergeAsync("b", "a", new MergeOptions { FastForward = FastForward.Never });
        await repo.MergeAsync("a-tip", "b", new MergeOptions { FastForward = FastForward.Never });

        var bases = await repo.FindMergeBasesAsync("a", "b");

        Assert.That(bases.Select(c => c.Id), Is.EqualTo(new[] { a1, b2 }));
        Assert.That((await repo.FindMergeBasesAsync("b", "a")).Select(c => c.Id), Is.EqualTo(new[] { a1, b2 }));
        Assert.That((await repo.FindMergeBaseAsync("a", "b"))!.Id, Is.EqualTo(b2));
        Assert.That(await repo.FindMergeBasesAsync("a", "a"), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task A_resolver_sees_no_base_version_where_the_bases_conflict()
    {
        using var dir = new TempDirectory();
        await using var repo = await TestRepositories.CreateLocalAsync(dir.Path);
        await repo.PutTextAsync("main", "p", "0");
        await repo.CommitAsync("main", "base");
        await repo.BranchAsync("a", "main");
        await repo.BranchAsync("b", "main");
        await repo.PutTextAsync("a", "p", "a");
        await repo.CommitAsync("a", "a1");
        await repo.PutTextAsync("b", "p", "b");
        await repo.CommitAsync("b", "b1");
        await repo.BranchAsync("a1", "a");
        await repo.BranchAsync("b1", "b");
        var keep = new MergeOptions { Strategy = MergeStrategy.DestinationWins, FastForward = FastForward.Never };
        await repo.MergeAsync("b1", "a", keep);
        await repo.MergeAsync("a1", "b", keep);

        var conflict = Assert.ThrowsAsync<MergeConflictException>(() => repo.MergeAsync("b", "a"))!.Conflicts.Single();
        Assert.That(conflict.Path, Is.EqualTo("p"));
        Assert.That(conflict.BasesConflict, Is.True);
        Assert.That(conflict.Base, Is.Null);
        Assert.That(conflict.Source!.Size, Is.EqualTo(1));
        Assert.That(conflict.Destination!.Size, Is.EqualTo(1));

        var bad = conflict.Source with { Size = -1 };
        Assert.ThrowsAsync<ArgumentException>(() => repo.MergeAsync("b", "a", new MergeOptions { Resolver = _ => ConflictResolution.Use(bad) }));
        var merged = await repo.MergeAsync("b", "a", new MergeOptions { Resolver = c => c.BasesConflict ? ConflictResolution.UseSource : ConflictResolution.UseDestination });
        Assert.That(merged.ConflictsResolved, Is.EqualTo(1));
        Assert.That(await repo.ReadTextAsync("a", "p"), Is.EqualTo("b"));
    }

    private static async Task<(List<string> Outcomes, int TiedCrissCrossMerges)> BuildAsync(int seed, TimeProvider clock)
    {
        using var dir = new TempDirectory();
        await using var repo = await TestRepositories.CreateLocalAsync(dir.Path, clock);
        var random = new Random(seed);
        var branches = new List<string> { "main" };
        var outcomes = new List<string>();
        var tied = 0;
        foreach (var path in Paths)
        {
            await repo.PutTextAsync("main", path, "a");
        }
        await repo.CommitAsync("main", "initial");

        async Task CommitAsync(string branch, int step)
        {
            try
            {
                await repo.CommitAsync(branch, $"step {step}");
            }
            catch (NoChangesException)
            {
            }
        }

        for (var step = 0; step < Steps; step++)
        {
            var roll = random.Next(100);
            var branch = branches[random.Next(branches.Count)];
            if (roll < 8 && branches.Count < BranchNames.Length)
            {
                var name = BranchNames[branches.Count];
                await repo.BranchAsync(name, branch);
                branches.Add(name);
            }
            else if (roll < 40)
            {
                await repo.PutTextAsync(branch, Paths[random.Next(Paths.Length)], Contents[random.Next(Contents.Length)]);
            }
            else if (roll < 45)
            {
                var paths = await repo.ListPathsAsync(branch);
                if (paths.Count > 1)
                {
                    await repo.DeleteObjectAsync(branch, paths[random.Next(paths.Count)]);
                }
            }
            else if (roll < 60)
            {
                await CommitAsync(branch, step);
            }
            else if (branches.Count > 1)
            {
                var source = branches.Where(b => b != branch).ElementAt(random.Next(branches.Count - 1));
                if (random.Next(2) == 0 && (await repo.GetCommitAsync(source)).Parents.Count > 0)
                {
                    source += "~1";
                }
                var strategy = random.Next(3) switch { 0 => MergeStrategy.Fail, 1 => MergeStrategy.SourceWins, _ => MergeStrategy.DestinationWins };
                await CommitAsync(branch, step);
                var bases = await repo.FindMergeBasesAsync(source, branch);
                if (bases.Count > 1 && bases.GroupBy(b => b.Generation).Any(g => g.Count() > 1))
                {
                    tied++;
                }
                var mergeBase = await repo.FindMergeBaseAsync(source, branch);
                var what = $"{step}: merge {source} into {branch} ({strategy}, {bases.Count} bases, base content {Listing(await repo.ReadTextAsync(mergeBase!.Id))})";
                try
                {
                    await repo.MergeAsync(source, branch, new MergeOptions { Strategy = strategy, FastForward = FastForward.Never, Message = $"step {step}" });
                    outcomes.Add($"{what} -> {Listing(await repo.ReadTextAsync(branch + "@"))}");
                }
                catch (MergeConflictException e)
                {
                    outcomes.Add($"{what} -> conflicts {string.Join(",", e.Conflicts.Select(c => c.Path))}");
                }
                catch (NoChangesException)
                {
                    outcomes.Add($"{what} -> up to date");
                }
            }
        }
        return (outcomes, tied);
    }

    private static string Listing(SortedDictionary<string, string> content) => string.Join(" ", content.Select(p => $"{p.Key}={p.Value}"));

    /// <summary>A clock that jumps back and forth by up to a day on every call, differently for each seed.</summary>
    private sealed class JumpingClock(int clockSeed) : TimeProvider
    {
        private readonly Random _random = new(clockSeed);
        private readonly Lock _lock = new();

        public override DateTimeOffset GetUtcNow()
        {
            lock (_lock)
            {
                return new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(_random.Next(86_400));
            }
        }
    }
}
