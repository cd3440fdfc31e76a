using System.Diagnostics;
using LakeFs.Benchmarks.Infrastructure;

namespace LakeFs.Benchmarks.Scenarios;

/// <summary>Branch creation from main on the 1,000,000-object repository: each creation timed on its own.</summary>
public sealed class BranchScenario : IScenario
{
    private int _branches;

    public string Name => "branch";

    public string Description => "branch creation on a 1,000,000-object repository";

    public async Task RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var size = context.Options.Scaled(1_000_000, 100);
        var repo = await context.Fixtures.CommittedAsync(size, context);
        var perRun = context.Options.Scaled(200, 10);
        var latencies = new List<double>();
        for (var run = -context.Options.Warmups; run < context.Options.Runs; run++)
        {
            for (var i = 0; i < perRun; i++)
            {
                var name = $"bench-{Interlocked.Increment(ref _branches)}";
                var sw = Stopwatch.StartNew();
                await repo.BranchAsync(name, "main", cancellationToken);
                if (run >= 0)
                {
                    latencies.Add(sw.Elapsed.TotalMilliseconds);
                }
            }
        }
        var metric = context.Add($"create branch on {size:N0} objects", "ms", latencies, Goal.Max(1), null,
            $"{latencies.Count:N0} creations, each timed");
        context.Log($"median {Report.Format(metric.Median)} ms, max {Report.Format(metric.Max)} ms");
    }
}
