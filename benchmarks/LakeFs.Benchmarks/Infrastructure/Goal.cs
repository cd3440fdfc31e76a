using System.Globalization;

namespace LakeFs.Benchmarks.Infrastructure;

/// <summary>A target for a metric's median: at least (throughput) or at most (time, memory).</summary>
public sealed record Goal(bool AtLeast, double Threshold)
{
    public static Goal Min(double threshold) => new(true, threshold);

    public static Goal Max(double threshold) => new(false, threshold);

    public bool IsMet(double value) => AtLeast ? value >= Threshold : value <= Threshold;

    public override string ToString() =>
        (AtLeast ? "≥ " : "≤ ") + Threshold.ToString(Threshold >= 100 ? "N0" : "0.###", CultureInfo.InvariantCulture);
}
