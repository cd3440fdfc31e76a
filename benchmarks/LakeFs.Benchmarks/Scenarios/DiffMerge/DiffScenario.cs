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
        foreach (var (shape, indexes) in new[]
        {
            ("random", Fixtures.RandomIndexes(new Random(3), size, k)),
            ("clustered", context.Fixtures.Clustered(size, size / 3, k)),
        })
        {
            var left = (await repo.GetBranchAsync("main", cancellationToken)).Head;
            await context.Fixtures.LinkAsync(repo, "main", indexes, indexes.Length);
            var right = (await repo.CommitAsync("main", $"{k} {shape} changes for diff", cancellationToken: cancellationToken)).Id;

            await context.MeasureAsync($"diff {indexes.Length:N0} {shape} changes, two {size:N0}-object commits", "ms", async _ =>
            {
                var sw = Stopwatch.StartNew();
                var count = 0;
                await foreach (var change in repo.DiffAsync(left, right, cancellationToken: cancellationToken))
                {
                    count++;
                }
                var ms = sw.Elapsed.TotalMilliseconds;
                if (count != indexes.Length)
                {
                    throw new InvalidOperationException($"The diff returned {count} changes, expected {indexes.Length}.");
                }
                return ms;
            }, Goal.Max(50));
        }
    }
}
