namespace LakeFs.Benchmarks.Infrastructure;

/// <summary>Everything one run of the suite measured, with the machine it ran on.</summary>
public sealed record SuiteResult
{
    public required BenchmarkOptions Options { get; init; }

    public required MachineInfo Machine { get; init; }

    /// <summary>Load average when the run started (the machine may be shared).</summary>
    public string? LoadAtStart { get; init; }

    public required DateTimeOffset Started { get; init; }

    public required TimeSpan Elapsed { get; init; }

    public required IReadOnlyDictionary<string, double> ScenarioSeconds { get; init; }

    public required IReadOnlyList<Metric> Metrics { get; init; }

    public required double ProcessPeakWorkingSetMiB { get; init; }
}
