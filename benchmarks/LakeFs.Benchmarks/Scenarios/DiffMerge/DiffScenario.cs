using System.Diagnostics;
using LakeFs.Benchmarks.Infrastructure;

namespace LakeFs.Benchmarks.Scenarios;

/// <summary>Diff of two 1,000,000-object commits that differ in 1,000 paths.</summary>
public sealed class DiffScenario : IScenario
{
    public string Name => "diff";

    public string Description => "diff with 1,000 changes between two 1,000,000-object commits";

    public async Task RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var size = context.Options.Scaled(1_000_000, 100);
        var repo = await context.Fixtures.CommittedAsync(size, context);
        var k = Math.Min(1_000, Math.Max(1, size / 10));
        var left = (await repo.GetBranchAsync("main", cancellationToken)).Head;
        var indexes = Enumerable.Range(0, k).Select(i => (int)((long)i * size / k)).ToArray();
        await context.Fixtures.LinkAsync(repo, "main", indexes, k);
        var right = (await repo.CommitAsync("main", $"{k} changes for diff", cancellationToken: cancellationToken)).Id;

        await context.MeasureAsync($"diff {k:N0} changes, two {size:N0}-object commits", "ms", async _ =>
        {
            var sw = Stopwatch.StartNew();
            var count = 0;
            await foreach (var change in repo.DiffAsync(left, right, cancellationToken: cancellationToken))
            {
                count++;
            }
            var ms = sw.Elapsed.TotalMilliseconds;
            if (count != k)
            {
                throw new InvalidOperationException($"The diff returned {count} changes, expected {k}.");
            }
            return ms;
        }, Goal.Max(50));
    }
}
