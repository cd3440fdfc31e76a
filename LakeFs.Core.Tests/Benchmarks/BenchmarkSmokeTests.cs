using LakeFs.Benchmarks;
using LakeFs.Benchmarks.Infrastructure;

namespace LakeFs.Core.Tests.Benchmarks;

/// <summary>Runs every benchmark scenario at a tiny scale so the harness cannot rot. No timing is asserted.</summary>
public class BenchmarkSmokeTests
{
    [Test]
    [CancelAfter(120_000)]
    public async Task Every_scenario_produces_a_result_at_tiny_scale(CancellationToken cancellationToken)
    {
        var progress = new StringWriter();
        var options = new BenchmarkOptions { Scale = 0.0002, Runs = 1, Warmups = 0, SideBySide = false, FailFast = true, Progress = progress };

        var result = await BenchmarkSuite.RunAsync(options, cancellationToken);

        var scenarios = BenchmarkSuite.All().Select(s => s.Name).ToArray();
        Assert.Multiple(() =>
        {
            foreach (var name in scenarios)
            {
                Assert.That(result.Metrics.Where(m => m.Scenario == name), Is.Not.Empty, $"scenario {name} produced no result");
            }
            Assert.That(result.Metrics.Where(m => m.Note is null || !m.Note.StartsWith("not available", StringComparison.Ordinal)).SelectMany(m => m.Samples),
                Has.All.Matches<double>(v => double.IsFinite(v) && v >= 0), progress.ToString());
            Assert.That(Report.Markdown(result), Does.Contain("| scenario |"));
            Assert.That(Report.Json(result), Does.Contain("\"metrics\""));
        });
    }
}
