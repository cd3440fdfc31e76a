using System.Diagnostics;
using LakeFs.Benchmarks.Infrastructure;
using LakeFs.Core;

namespace LakeFs.Benchmarks.Scenarios;

/// <summary>
/// Commit of 1,000,000 new entries: the entries are staged once into a template repository, and each run
/// commits a fresh copy of it, so only the commit is timed. The working set is sampled during each commit.
/// </summary>
public sealed class CommitLargeScenario : IScenario
{
    public string Name => "commit-1m";

    public string Description => "commit of 1,000,000 new entries (time and peak working set)";

    public async Task RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var n = context.Options.Scaled(1_000_000, 100);
        var runs = Math.Min(context.Options.Runs, 3);

        // Warm up the commit path (JIT, SQLite) on a small copy so the first measured run is not the first commit.
        var small = context.Options.Scaled(10_000, 20);
        await CommitCopyAsync(context, small, adopt: false, cancellationToken);

        var seconds = new List<double>();
        var peaks = new List<double>();
        string? note = null;
        for (var run = 0; run < runs; run++)
        {
            var (elapsed, peak, stats) = await CommitCopyAsync(context, n, adopt: run == runs - 1, cancellationToken);
            seconds.Add(elapsed);
            peaks.Add(peak);
            note = stats;
            context.Log($"run {run + 1}/{runs}: {elapsed:F2} s, peak working set {peak:F0} MiB");
        }
        context.Add($"commit {n:N0} new entries", "s", seconds, Goal.Max(10), peaks.Max(), note);
        context.Add($"commit {n:N0} new entries: peak working set", "MiB", peaks, Goal.Max(500),
            note: "sampled every 10 ms during the commit; includes the runtime and harness baseline");
        context.Add($"commit {n:N0} new entries: rate", "entries/s", [.. seconds.Select(s => n / s)]);
    }

    private static async Task<(double Seconds, double PeakMiB, string Stats)> CommitCopyAsync(
        ScenarioContext context, int n, bool adopt, CancellationToken cancellationToken)
    {
        var folder = await context.Fixtures.CopyOfStagedAsync(n, context);
        var repo = await Repository.OpenAsync(folder, cancellationToken);
        try
        {
            double seconds;
            double peak;
            Core.Model.Commit commit;
            using (var sampler = WorkingSetSampler.StartClean())
            {
                var sw = Stopwatch.StartNew();
                commit = await repo.CommitAsync("main", $"load {n:N0}", cancellationToken: cancellationToken);
                seconds = sw.Elapsed.TotalSeconds;
                peak = sampler.PeakMiB;
            }
            var s = commit.Statistics!;
            var stats = $"{s.Changes:N0} changes, {s.RangesWritten} ranges written";
            if (adopt)
            {
                await context.Fixtures.AdoptCommittedAsync(n, repo, folder);
                repo = null;
            }
            return (seconds, peak, stats);
        }
        finally
        {
            if (repo is not null)
            {
                await repo.DisposeAsync();
                Directory.Delete(folder, recursive: true);
            }
        }
    }
}
