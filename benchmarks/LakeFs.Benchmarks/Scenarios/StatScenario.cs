using System.Diagnostics;
using LakeFs.Benchmarks.Infrastructure;
using LakeFs.Core;

namespace LakeFs.Benchmarks.Scenarios;

/// <summary>
/// Random stats of committed keys on the 1,000,000-object repository, one thread, warm caches: by commit id
/// (committed tree only), by branch (which also looks at uncommitted changes), and by branch while 1,000 other
/// paths are staged (reset afterwards). Cold first lookup: a freshly opened repository instance (empty caches; the
/// OS page cache stays warm).
/// </summary>
public sealed class StatScenario : IScenario
{
    public string Name => "stat";

    public string Description => "random stat of committed keys, warm cache, 1 thread; cold first lookup";

    public async Task RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var size = context.Options.Scaled(1_000_000, 100);
        var repo = await context.Fixtures.CommittedAsync(size, context);
        var lookups = context.Options.Scaled(100_000, 100);
        var random = new Random(42);
        var paths = Enumerable.Range(0, lookups).Select(_ => Fixtures.PathOf(random.Next(size))).ToArray();
        var head = (await repo.GetBranchAsync("main", cancellationToken)).Head;

        await Fixtures.ThrowIfDirtyAsync(repo, "main", "before the stats", cancellationToken);

        var byCommit = $"stat by commit id, warm, 1 thread ({size:N0} objects)";
        var note = $"{lookups:N0} random committed keys per run";
        await context.MeasureAsync(byCommit, "lookups/s", _ => StatAllAsync(repo, head, paths, cancellationToken), Goal.Min(300_000), note: note);
        // Issue 15: a read of a branch with nothing staged should cost about what a read by commit id costs.
        await context.MeasureAsync($"stat by branch main, warm, 1 thread ({size:N0} objects)", "lookups/s",
            _ => StatAllAsync(repo, "main", paths, cancellationToken), Goal.Min(300_000).AndFractionOf(0.5, byCommit, "by commit id"), note: note);

        // The same with uncommitted changes on main (other paths, in the same ranges): what a read pays for looking
        // at staged changes. No goal. Reset afterwards: later scenarios share this repository and expect main clean.
        var staged = context.Options.Scaled(1_000, 10);
        try
        {
            await Fixtures.StageOtherPathsAsync(repo, "main", size, staged, cancellationToken);
            await context.MeasureAsync($"stat by branch main with {staged:N0} staged changes, warm, 1 thread ({size:N0} objects)", "lookups/s",
                _ => StatAllAsync(repo, "main", paths, cancellationToken), note: $"{note}; {staged:N0} objects put on other paths of main before the runs");
        }
        finally
        {
            await repo.ResetAsync("main", cancellationToken);
        }
        await Fixtures.ThrowIfDirtyAsync(repo, "main", "after the reset", cancellationToken);
        if ((await repo.GetBranchAsync("main", cancellationToken)).Head != head)
        {
            throw new InvalidOperationException("The stat scenario moved main's head; later scenarios expect it unchanged.");
        }

        var folder = context.Fixtures.CommittedFolder(size);
        var openMs = new List<double>();
        await context.MeasureAsync($"stat, cold first lookup ({size:N0} objects)", "ms", async i =>
        {
            var sw = Stopwatch.StartNew();
            await using var cold = await Repository.OpenAsync(folder, cancellationToken);
            var opened = sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            await cold.StatObjectAsync(head, paths[Math.Abs(i) % paths.Length], cancellationToken);
            if (i >= 0)
            {
                openMs.Add(opened);
            }
            return sw.Elapsed.TotalMilliseconds;
        }, note: "new Repository instance: metarange, range index and block read from storage; OS page cache warm");
        context.Add($"open repository ({size:N0} objects)", "ms", openMs);
    }

    private static async Task<double> StatAllAsync(Repository repo, string @ref, string[] paths, CancellationToken cancellationToken)
    {
        var sw = Stopwatch.StartNew();
        foreach (var path in paths)
        {
            await repo.StatObjectAsync(@ref, path, cancellationToken);
        }
        return paths.Length / sw.Elapsed.TotalSeconds;
    }
}
