using System.Diagnostics;
using LakeFs.Benchmarks.Infrastructure;
using LakeFs.Core;

namespace LakeFs.Benchmarks.Scenarios;

/// <summary>Log of 10,000 commits: with the commit cache warm, and from a freshly opened repository.</summary>
public sealed class LogScenario : IScenario
{
    public string Name => "log";

    public string Description => "log of 10,000 commits";

    public async Task RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var n = context.Options.Scaled(10_000, 20);
        var folder = context.NewFolder("log");
        await using (var repo = await Repository.CreateAsync(folder, cancellationToken))
        {
            var (address, size) = await Fixtures.PutSharedObjectAsync(repo);
            var progress = context.Progress($"make {n:N0} commits", n);
            var build = Stopwatch.StartNew();
            for (var i = 1; i < n; i++)
            {
                // Every tenth commit changes a path; the rest are empty commits (the log walk does not read trees).
                if (i % 10 == 0)
                {
                    await repo.LinkObjectAsync("main", $"log/{i % 100:D2}", address, size, context.Fixtures.NextChecksum(), cancellationToken: cancellationToken);
                }
                await repo.CommitAsync("main", $"commit {i}", new Core.Model.CommitOptions { AllowEmpty = true }, cancellationToken);
                progress(i);
            }
            context.Log($"made {n:N0} commits in {build.Elapsed.TotalSeconds:F1} s ({n / build.Elapsed.TotalSeconds:N0} commits/s)");

            await context.MeasureAsync($"log {n:N0} commits, warm", "commits/s", async _ =>
                n / await CountAsync(repo, n, cancellationToken), Goal.Min(100_000));
        }

        await context.MeasureAsync($"log {n:N0} commits, fresh open", "commits/s", async _ =>
        {
            await using var repo = await Repository.OpenAsync(folder, cancellationToken);
            return n / await CountAsync(repo, n, cancellationToken);
        }, runs: Math.Min(context.Options.Runs, 3), note: "new Repository instance: every commit read from SQLite");
        Directory.Delete(folder, recursive: true);
    }

    private static async Task<double> CountAsync(Repository repo, int expected, CancellationToken cancellationToken)
    {
        var sw = Stopwatch.StartNew();
        var count = 0;
        await foreach (var commit in repo.LogAsync("main", cancellationToken: cancellationToken))
        {
            count++;
        }
        var seconds = sw.Elapsed.TotalSeconds;
        if (count != expected)
        {
            throw new InvalidOperationException($"The log returned {count} commits, expected {expected}.");
        }
        return seconds;
    }
}
