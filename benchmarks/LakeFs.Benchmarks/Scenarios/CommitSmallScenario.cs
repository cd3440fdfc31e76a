using System.Diagnostics;
using LakeFs.Benchmarks.Infrastructure;

namespace LakeFs.Benchmarks.Scenarios;

/// <summary>
/// Commits of 1 / 100 / 10,000 changes on a 1,000,000-object head, and the same on 100,000 objects to show the
/// cost is flat in repository size. Each run stages the changes (untimed: links of existing paths to new
/// versions) and times the commit.
/// </summary>
public sealed class CommitSmallScenario : IScenario
{
    public string Name => "commit-small";

    public string Description => "commit of 1 / 100 / 10,000 changes on a 1,000,000- and a 100,000-object head";

    public async Task RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        foreach (var size in new[] { context.Options.Scaled(1_000_000, 100), context.Options.Scaled(100_000, 50) }.Distinct())
        {
            var repo = await context.Fixtures.CommittedAsync(size, context);
            // Never more changes than a tenth of the repository (small scales); each count once.
            var counts = new[] { (1, 20.0), (100, 50.0), (10_000, 1000.0) }
                .Select(c => (K: Math.Min(c.Item1, Math.Max(1, size / 10)), GoalMs: c.Item2))
                .DistinctBy(c => c.K);
            foreach (var (k, goalMs) in counts)
            {
                var random = new Random(k);
                string? shape = null;
                await context.MeasureAsync($"commit {k:N0} changes on {size:N0}", "ms", async _ =>
                {
                    var indexes = Enumerable.Range(0, k).Select(_ => random.Next(size)).Distinct().ToArray();
                    await context.Fixtures.LinkAsync(repo, "main", indexes, indexes.Length);
                    var sw = Stopwatch.StartNew();
                    var commit = await repo.CommitAsync("main", $"{k} changes", cancellationToken: cancellationToken);
                    var ms = sw.Elapsed.TotalMilliseconds;
                    shape = $"{commit.Statistics!.RangesWritten} ranges written, {commit.Statistics.RangesReused} reused";
                    return ms;
                }, Goal.Max(goalMs), note: null);
                context.Log($"  last run: {shape}");
            }
        }
    }
}
