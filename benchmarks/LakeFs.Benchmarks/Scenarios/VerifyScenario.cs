using System.Diagnostics;
using LakeFs.Benchmarks.Infrastructure;
using LakeFs.Core.Model;

namespace LakeFs.Benchmarks.Scenarios;

/// <summary>
/// VerifyAsync (fsck) of the shared 1,000,000-object repository: every commit, metarange and range read from the
/// store, hashed and decoded, and every distinct data object stat'd (content not read). The fixture links every
/// path to one data object, so this times the walk over the metadata; a repository of 1,000,000 distinct objects
/// adds one stat per object, <see cref="VerifyOptions.MaxParallelism"/> at a time.
/// </summary>
public sealed class VerifyScenario : IScenario
{
    public string Name => "verify";

    public string Description => "VerifyAsync of 1,000,000 committed objects, metadata only";

    public async Task RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var size = context.Options.Scaled(1_000_000, 100);
        var repo = await context.Fixtures.CommittedAsync(size, context);
        foreach (var (label, options, goal) in new (string, VerifyOptions, Goal?)[]
        {
            ("objects stat'd", new VerifyOptions(), Goal.Max(10)),
            ("trees only", new VerifyOptions { CheckObjects = false }, null),
        })
        {
            await context.MeasureAsync($"verify {size:N0} objects, {label}", "s", async _ =>
            {
                var sw = Stopwatch.StartNew();
                var report = await repo.VerifyAsync(options, cancellationToken: cancellationToken);
                var seconds = sw.Elapsed.TotalSeconds;
                if (!report.IsClean || report.Entries < size)
                {
                    throw new InvalidOperationException($"Verify read {report.Entries} entries and found {report.ProblemCount} problem(s) in the shared repository; expected at least {size} entries and none.");
                }
                return seconds;
            }, goal, runs: Math.Min(context.Options.Runs, 3), warmups: 0);
        }
    }
}
