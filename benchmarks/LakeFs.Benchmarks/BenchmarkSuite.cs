using System.Diagnostics;
using LakeFs.Benchmarks.Infrastructure;
using LakeFs.Benchmarks.Scenarios;
using LakeFs.Benchmarks.Scenarios.SideBySide;

namespace LakeFs.Benchmarks;

/// <summary>Runs the selected scenarios in one temp folder (deleted after) and returns every metric.</summary>
public static class BenchmarkSuite
{
    /// <summary>Every scenario in run order (fixtures built by earlier scenarios are reused by later ones).</summary>
    public static IReadOnlyList<IScenario> All() =>
    [
        new PutScenario(),
        new UploadScenario(),
        new ImportScenario(),
        new CommitLargeScenario(),
        new CommitSmallScenario(),
        new BranchScenario(),
        new StatScenario(),
        new ReadScenario(),
        new ListScenario(),
        new DiffScenario(),
        new MergeScenario(),
        new LogScenario(),
        new MergeBaseScenario(),
        new VerifyScenario(),
        new GatewayScenario(),
        new GcScenario(),
        new SideBySideScenario(),
        // Last: it restores the shared 1,000,000-object repository's refs into PostgreSQL and commits on both.
        new RefStoreScenario(),
    ];

    /// <summary>Diagnostic scenarios that run only when named with <c>--only</c>.</summary>
    public static IReadOnlyList<IScenario> OnDemand() => [new CommitProfileScenario(), new StatProfileScenario()];

    public static async Task<SuiteResult> RunAsync(BenchmarkOptions options, CancellationToken cancellationToken = default)
    {
        var scenarios = All().Concat(OnDemand()).ToArray();
        var unknown = options.Only.Where(o => scenarios.All(s => !s.Name.Equals(o, StringComparison.OrdinalIgnoreCase))).ToArray();
        if (unknown.Length > 0)
        {
            throw new ArgumentException($"Unknown scenario(s): {string.Join(", ", unknown)}. Known: {string.Join(", ", scenarios.Select(s => s.Name))}.");
        }
        var selected = options.Only.Count == 0 ? All() : scenarios.Where(s => options.Only.Contains(s.Name)).ToArray();

        var tempRoot = Path.Combine(options.TempRoot ?? Path.GetTempPath(), "lakefs-bench-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(tempRoot);
        var started = DateTimeOffset.UtcNow;
        var loadAtStart = MachineInfo.Capture().LoadAverage;
        var total = Stopwatch.StartNew();
        var durations = new Dictionary<string, double>();
        try
        {
            var fixtures = new Fixtures(tempRoot);
            await using (fixtures)
            {
                var context = new ScenarioContext(options, tempRoot, fixtures);
                foreach (var scenario in selected)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    context.Scenario = scenario.Name;
                    context.Log($"start: {scenario.Description}");
                    var sw = Stopwatch.StartNew();
                    try
                    {
                        await scenario.RunAsync(context, cancellationToken);
                    }
                    catch (Exception e) when (e is not OperationCanceledException && !options.FailFast)
                    {
                        // One broken scenario must not throw away the others' results: report it as a row.
                        context.Add("failed", "", [], note: $"{e.GetType().Name}: {e.Message}");
                        context.Log($"FAILED: {e}");
                    }
                    durations[scenario.Name] = sw.Elapsed.TotalSeconds;
                    context.Log($"done in {sw.Elapsed.TotalSeconds:F1} s");
                }
                return new SuiteResult
                {
                    Options = options,
                    Machine = MachineInfo.Capture(),
                    LoadAtStart = loadAtStart,
                    Started = started,
                    Elapsed = total.Elapsed,
                    ScenarioSeconds = durations,
                    Metrics = context.Metrics,
                    ProcessPeakWorkingSetMiB = WorkingSetSampler.ProcessPeakMiB(),
                };
            }
        }
        finally
        {
            try
            {
                Directory.Delete(tempRoot, recursive: true);
            }
            catch (IOException e)
            {
                options.Progress.WriteLine($"could not delete {tempRoot}: {e.Message}");
            }
        }
    }
}
