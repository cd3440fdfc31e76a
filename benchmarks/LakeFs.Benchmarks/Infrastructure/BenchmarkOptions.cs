namespace LakeFs.Benchmarks.Infrastructure;

/// <summary>What to run and how big: every size in the suite is multiplied by <see cref="Scale"/>.</summary>
public sealed record BenchmarkOptions
{
    /// <summary>Multiplies every data size (1 = the sizes the goals are written for; 0.01 for a quick look).</summary>
    public double Scale { get; init; } = 1.0;

    /// <summary>Scenario names to run; empty runs all.</summary>
    public IReadOnlySet<string> Only { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Measured runs per metric (after <see cref="Warmups"/> unmeasured ones).</summary>
    public int Runs { get; init; } = 5;

    /// <summary>Unmeasured runs before the measured ones.</summary>
    public int Warmups { get; init; } = 1;

    /// <summary>Runs the git CLI and LibGit2Sharp beside LakeFs in the side-by-side scenario.</summary>
    public bool SideBySide { get; init; } = true;

    /// <summary>Let a failing scenario end the run (the smoke test) instead of becoming a "failed" row.</summary>
    public bool FailFast { get; init; }

    /// <summary>Parent of the temporary data folder (default: the system temp folder).</summary>
    public string? TempRoot { get; init; }

    /// <summary>Where progress lines go (default: standard error).</summary>
    public TextWriter Progress { get; init; } = Console.Error;

    /// <summary>A size scaled down, never below <paramref name="minimum"/>.</summary>
    public int Scaled(int size, int minimum = 1) => Math.Max(minimum, (int)Math.Round(size * Scale));

    /// <summary>Whether goals written for full scale are judged (only at scale 1).</summary>
    public bool JudgeGoals => Scale >= 1.0;
}
