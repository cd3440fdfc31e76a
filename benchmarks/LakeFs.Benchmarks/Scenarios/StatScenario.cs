using System.Diagnostics;
using LakeFs.Benchmarks.Infrastructure;
using LakeFs.Core;

namespace LakeFs.Benchmarks.Scenarios;

/// <summary>
/// Random stats of committed keys on the 1,000,000-object repository, one thread, warm caches: by commit id
/// (committed tree only) and by branch (which also looks at uncommitted changes in SQLite). Cold first lookup:
/// a freshly opened repository instance (empty caches; the OS page cache stays warm).
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

        foreach (var (label, @ref, goal) in new[] { ("commit id", head, Goal.Min(300_000)), ("branch main", "main", (Goal?)null) })
        {
            await context.MeasureAsync($"stat by {label}, warm, 1 thread ({size:N0} objects)", "lookups/s", async _ =>
            {
                var sw = Stopwatch.StartNew();
                foreach (var path in paths)
                {
                    await repo.StatObjectAsync(@ref, path, cancellationToken);
                }
                return lookups / sw.Elapsed.TotalSeconds;
            }, goal, note: $"{lookups:N0} random committed keys per run");
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
}
