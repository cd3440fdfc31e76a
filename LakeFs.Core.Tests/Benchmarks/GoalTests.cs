using System.Text.Json;
using LakeFs.Benchmarks.Infrastructure;

namespace LakeFs.Core.Tests.Benchmarks;

/// <summary>Goals that compare a metric with another metric of the same run, as the results table shows them.</summary>
public class GoalTests
{
    private const string ByCommit = "stat by commit id";
    private static readonly Goal BranchGoal = Goal.Min(300_000).AndFractionOf(0.5, ByCommit, "by commit id");

    [TestCase(700_000, 400_000, "met (0.57× by commit id)", true)]
    [TestCase(700_000, 320_000, "MISSED (0.46× by commit id)", false)]
    [TestCase(400_000, 250_000, "MISSED (0.63× by commit id)", false)]
    public void A_relative_goal_is_judged_against_the_other_metric_of_the_run(double byCommit, double byBranch, string status, bool met)
    {
        var result = Run(1.0, Metric("stat", ByCommit, byCommit, Goal.Min(300_000)), Metric("stat", "stat by branch", byBranch, BranchGoal));

        Assert.Multiple(() =>
        {
            Assert.That(Report.Status(result.Metrics[1], result), Is.EqualTo(status));
            Assert.That(Report.Markdown(result), Does.Contain($"| ≥ 300,000 and ≥ 0.5 × by commit id | {status} |"));
            Assert.That(Report.Console(result), Does.Contain(status));
            var json = JsonDocument.Parse(Report.Json(result)).RootElement.GetProperty("metrics")[1];
            Assert.That(json.GetProperty("goalMet").GetBoolean(), Is.EqualTo(met));
            Assert.That(json.GetProperty("goalRatio").GetDouble(), Is.EqualTo(byBranch / byCommit).Within(1e-9));
        });
    }

    [Test]
    public void Below_full_scale_a_relative_goal_is_not_judged_but_shows_its_ratio()
    {
        var result = Run(0.01, Metric("stat", ByCommit, 100_000, Goal.Min(300_000)), Metric("stat", "stat by branch", 20_000, BranchGoal));

        Assert.Multiple(() =>
        {
            Assert.That(Report.Status(result.Metrics[0], result), Is.EqualTo("(scaled)"));
            Assert.That(Report.Status(result.Metrics[1], result), Is.EqualTo("(scaled; 0.20× by commit id)"));
            Assert.That(result.Metrics[1].Verdict(result.Metrics, judge: false)!.Met, Is.Null);
        });
    }

    [Test]
    public void Without_the_other_metric_in_the_same_scenario_a_relative_goal_is_not_judged()
    {
        // Same name, other scenario: not the metric the goal means.
        var result = Run(1.0, Metric("other", ByCommit, 100_000, null), Metric("stat", "stat by branch", 400_000, BranchGoal));

        Assert.Multiple(() =>
        {
            Assert.That(Report.Status(result.Metrics[1], result), Is.EqualTo("n/a (no by commit id in this run)"));
            Assert.That(result.Metrics[1].Verdict(result.Metrics, judge: true)!.Met, Is.Null);
        });
    }

    [TestCase(30_000, 40_000, "met (0.75× cp -r)")]
    [TestCase(20_000, 40_000, "MISSED (0.50× cp -r)")]
    public void A_goal_stated_only_against_a_baseline_is_judged_and_shown_by_the_ratio_alone(double upload, double cp, string status)
    {
        var goal = Goal.FractionOf(0.7, "cp -r", "cp -r");
        var result = Run(1.0, Metric("upload", "cp -r", cp, null), Metric("upload", "upload", upload, goal));

        Assert.Multiple(() =>
        {
            Assert.That(Report.Status(result.Metrics[1], result), Is.EqualTo(status));
            Assert.That(Report.Markdown(result), Does.Contain($"| ≥ 0.7 × cp -r | {status} |"));
        });
    }

    [TestCase(5.0, "met")]
    [TestCase(6.0, "MISSED")]
    public void An_absolute_goal_reads_as_before(double ms, string status)
    {
        var result = Run(1.0, Metric("diff", "diff", ms, Goal.Max(5)));

        Assert.Multiple(() =>
        {
            Assert.That(Report.Status(result.Metrics[0], result), Is.EqualTo(status));
            Assert.That(Report.Markdown(result), Does.Contain($"| ≤ 5 | {status} |"));
        });
    }

    private static Metric Metric(string scenario, string name, double value, Goal? goal) =>
        new() { Scenario = scenario, Name = name, Unit = "lookups/s", Samples = [value * 0.9, value, value * 1.1], Goal = goal };

    private static SuiteResult Run(double scale, params Metric[] metrics) => new()
    {
        Options = new BenchmarkOptions { Scale = scale },
        Machine = new MachineInfo("test", "test", 2, null, null, null, 1000),
        Started = DateTimeOffset.UnixEpoch,
        Elapsed = TimeSpan.FromSeconds(1),
        ScenarioSeconds = new Dictionary<string, double>(),
        Metrics = metrics,
        ProcessPeakWorkingSetMiB = 1,
    };
}
