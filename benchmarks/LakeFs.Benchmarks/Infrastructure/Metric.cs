namespace LakeFs.Benchmarks.Infrastructure;

/// <summary>One measured figure: several samples of a value in one unit, summarized by median and spread.</summary>
public sealed record Metric
{
    public required string Scenario { get; init; }

    public required string Name { get; init; }

    public required string Unit { get; init; }

    public required IReadOnlyList<double> Samples { get; init; }

    public Goal? Goal { get; init; }

    /// <summary>Highest sampled working set of the process while the samples ran, in MiB.</summary>
    public double? PeakWorkingSetMiB { get; init; }

    public string? Note { get; init; }

    /// <summary>
    /// Process CPU time per measured run (all threads, setup included where a run does its own setup), in ms:
    /// less sensitive than wall time to other processes on a shared machine.
    /// </summary>
    public double? CpuMsPerRun { get; init; }

    /// <summary>Side by side only: the tool (LakeFs, git CLI, LibGit2Sharp).</summary>
    public string? Tool { get; init; }

    /// <summary>Side by side only: the workflow step.</summary>
    public string? Step { get; init; }

    public double Median => Stats.Median(Samples);

    public double Min => Samples.Count == 0 ? double.NaN : Samples.Min();

    public double Max => Samples.Count == 0 ? double.NaN : Samples.Max();

    /// <summary>
    /// The median against the goal, null when there is no goal or no sample. <paramref name="run"/> holds the run's
    /// metrics, where a relative goal finds the metric it compares with (same scenario); <paramref name="judge"/> is
    /// false at scales the goals are not written for.
    /// </summary>
    public GoalVerdict? Verdict(IReadOnlyList<Metric> run, bool judge)
    {
        if (Goal is null || Samples.Count == 0)
        {
            return null;
        }
        var reference = Goal.RelativeTo is null ? null
            : run.FirstOrDefault(m => m.Scenario == Scenario && m.Tool is null && m.Name == Goal.RelativeTo && m.Samples.Count > 0);
        return Goal.Judge(Median, reference?.Median, judge);
    }
}
