using System.Diagnostics;
using LakeFs.Benchmarks.Infrastructure;

namespace LakeFs.Benchmarks.Scenarios;

/// <summary>
/// Where a warm stat on a branch spends its time beyond a stat by commit id (on demand: <c>--only profile-stat</c>),
/// through public calls only: the same random keys read by commit id, by <c>main@</c> (the branch's head, committed
/// data only), by <c>main</c> (head, then uncommitted changes, then the tree) clean and with staged changes, beside
/// the branch and commit lookups alone; ns and bytes allocated per call, the stages interleaved round by round.
/// Inside the committed-tree lookup (metarange, range, block, decode) a sampling profiler sees more: <c>perf
/// record -g</c> with <c>DOTNET_PerfMapEnabled=1</c> on <c>--only stat</c>.
/// </summary>
public sealed class StatProfileScenario : IScenario
{
    public string Name => "profile-stat";

    public string Description => "ns per public call of a warm stat: by commit id / main@ / main / main with staged changes; branch and commit lookups";

    public async Task RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var size = context.Options.Scaled(1_000_000, 100);
        var repo = await context.Fixtures.CommittedAsync(size, context);
        var lookups = context.Options.Scaled(200_000, 100);
        var random = new Random(42);
        var paths = Enumerable.Range(0, lookups).Select(_ => Fixtures.PathOf(random.Next(size))).ToArray();
        var head = (await repo.GetBranchAsync("main", cancellationToken)).Head;
        await Fixtures.ThrowIfDirtyAsync(repo, "main", "before the profile", cancellationToken);

        var stages = new List<(string Stage, Func<int, Task> Body)>
        {
            ("StatObjectAsync(commit id)", i => repo.StatObjectAsync(head, paths[i], cancellationToken)),
            ("StatObjectAsync(\"main@\"): head, committed only", i => repo.StatObjectAsync("main@", paths[i], cancellationToken)),
            ("StatObjectAsync(\"main\"): head, staged, committed", i => repo.StatObjectAsync("main", paths[i], cancellationToken)),
            ("GetBranchAsync(\"main\")", _ => repo.GetBranchAsync("main", cancellationToken)),
            ("GetCommitAsync(commit id)", _ => repo.GetCommitAsync(head, cancellationToken)),
            ("GetCommitAsync(\"main\")", _ => repo.GetCommitAsync("main", cancellationToken)),
        };
        var clean = await MeasureStagesAsync(context, stages, lookups);

        var staged = context.Options.Scaled(1_000, 10);
        Dictionary<string, List<(double Ns, double Bytes, int Gen0)>> dirty;
        try
        {
            await Fixtures.StageOtherPathsAsync(repo, "main", size, staged, cancellationToken);
            dirty = await MeasureStagesAsync(context,
                [($"StatObjectAsync(\"main\"), {staged:N0} staged changes", i => repo.StatObjectAsync("main", paths[i], cancellationToken))],
                lookups);
        }
        finally
        {
            await repo.ResetAsync("main", cancellationToken);
        }
        await Fixtures.ThrowIfDirtyAsync(repo, "main", "after the reset", cancellationToken);

        foreach (var (stage, runs) in clean.Concat(dirty))
        {
            var medianBytes = Stats.Median([.. runs.Select(r => r.Bytes)]);
            context.Add(stage, "ns/call", [.. runs.Select(r => r.Ns)],
                note: $"{medianBytes:N0} B allocated per call, {runs.Sum(r => r.Gen0)} gen0 GCs in {runs.Count} × {lookups:N0} calls");
        }
        context.Log(string.Join("; ", context.Metrics.Where(m => m.Scenario == Name).Select(m => $"{m.Name}: {Report.Format(m.Median)} ns")));
    }

    /// <summary>Each stage over every key, round by round (so a slow moment of the machine hits all stages alike).</summary>
    private static async Task<Dictionary<string, List<(double Ns, double Bytes, int Gen0)>>> MeasureStagesAsync(
        ScenarioContext context, IReadOnlyList<(string Stage, Func<int, Task> Body)> stages, int calls)
    {
        var results = stages.ToDictionary(s => s.Stage, _ => new List<(double, double, int)>());
        for (var round = -context.Options.Warmups; round < context.Options.Runs; round++)
        {
            foreach (var (stage, body) in stages)
            {
                var gen0 = GC.CollectionCount(0);
                var allocated = GC.GetAllocatedBytesForCurrentThread();
                var sw = Stopwatch.StartNew();
                for (var i = 0; i < calls; i++)
                {
                    await body(i);
                }
                var ns = sw.Elapsed.TotalNanoseconds / calls;
                if (round >= 0)
                {
                    results[stage].Add((ns, (double)(GC.GetAllocatedBytesForCurrentThread() - allocated) / calls, GC.CollectionCount(0) - gen0));
                }
            }
        }
        return results;
    }
}
