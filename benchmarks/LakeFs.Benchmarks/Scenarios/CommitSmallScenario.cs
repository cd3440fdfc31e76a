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
            // Sort the paths for the clustered picks now rather than inside the first clustered run, whose
            // garbage (1,000,000 path strings) the next measured commits would otherwise collect.
            _ = context.Fixtures.Clustered(size, 0, 1);
            // Never more changes than a tenth of the repository (small scales); each count once.
            var counts = new[] { (1, 20.0), (100, 50.0), (10_000, 1000.0) }
                .Select(c => (K: Math.Min(c.Item1, Math.Max(1, size / 10)), GoalMs: c.Item2))
                .DistinctBy(c => c.K);
            foreach (var (k, goalMs) in counts)
            {
                var random = new Random(k);
                var next = 0;
                // Random paths spread over the whole key space (the worst case: each touches its own range), and
                // clustered paths (one contiguous run of keys, like rewriting a partition).
                foreach (var (shape, pick) in new (string, Func<int[]>)[]
                {
                    ("random", () => Fixtures.RandomIndexes(random, size, k)),
                    ("clustered", () =>
                    {
                        var start = next;
                        next = (next + k + size / 7) % Math.Max(1, size - k);
                        return context.Fixtures.Clustered(size, start, k);
                    }),
                })
                {
                    string? cost = null;
                    var metric = await context.MeasureAsync($"commit {k:N0} {shape} changes on {size:N0}", "ms", async _ =>
                    {
                        // A run of the small commits is the median of several, each on freshly staged changes: one
                        // tens-of-milliseconds commit varies by half from one to the next on a shared machine.
                        var commits = CommitsPerRun(k);
                        var times = new List<double>(commits);
                        for (var c = 0; c < commits; c++)
                        {
                            var indexes = pick();
                            await context.Fixtures.LinkAsync(repo, "main", indexes, indexes.Length);
                            var sw = Stopwatch.StartNew();
                            var commit = await repo.CommitAsync("main", $"{k} {shape} changes", cancellationToken: cancellationToken);
                            times.Add(sw.Elapsed.TotalMilliseconds);
                            var s = commit.Statistics!;
                            cost = $"{commits} commits a run; last: {s.RangesWritten} ranges / {s.EntriesWritten:N0} entries written ({s.EntriesCopied:N0} in copied blocks), {s.RangesReused} reused";
                        }
                        return Stats.Median(times);
                    }, Goal.Max(goalMs));
                    context.Log($"  {cost}");
                    context.Replace(metric, metric with { Note = cost });
                }
            }
        }
    }

    /// <summary>Commits timed per run: five for up to 100 changes (each tens of milliseconds at most), one for more.</summary>
    private static int CommitsPerRun(int changes) => changes <= 100 ? 5 : 1;
}
