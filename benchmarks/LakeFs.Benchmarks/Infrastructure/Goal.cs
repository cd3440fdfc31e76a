using System.Globalization;

namespace LakeFs.Benchmarks.Infrastructure;

/// <summary>
/// A target for a metric's median: at least (throughput) or at most (time, memory) a threshold, and optionally, in
/// the same direction, a fraction of another metric's median from the same scenario of the same run
/// (<see cref="AndFractionOf"/>): "at least half the by-commit-id rate" holds on a slow machine as on a fast one.
/// </summary>
public sealed record Goal(bool AtLeast, double Threshold)
{
    /// <summary>Name of the metric (same scenario, same run) the median is also compared with; null for none.</summary>
    public string? RelativeTo { get; init; }

    /// <summary>Short name of <see cref="RelativeTo"/> for the results table.</summary>
    public string? RelativeLabel { get; init; }

    /// <summary>The median must be at least (or at most) this multiple of <see cref="RelativeTo"/>'s median.</summary>
    public double Fraction { get; init; }

    public static Goal Min(double threshold) => new(true, threshold);

    public static Goal Max(double threshold) => new(false, threshold);

    /// <summary>
    /// At least <paramref name="fraction"/> × the median of the metric named <paramref name="metric"/> in the same
    /// scenario of the same run, and no absolute threshold: for a goal stated against a baseline measured beside it
    /// (upload vs <c>cp -r</c>), which only the ratio means anything for.
    /// </summary>
    public static Goal FractionOf(double fraction, string metric, string label) => Min(0).AndFractionOf(fraction, metric, label);

    /// <summary>
    /// At most <paramref name="multiple"/> × the median of the metric named <paramref name="metric"/> in the same
    /// scenario of the same run, and no absolute threshold: a time stated against another measured beside it.
    /// </summary>
    public static Goal AtMostTimesOf(double multiple, string metric, string label) => Max(double.PositiveInfinity).AndFractionOf(multiple, metric, label);

    /// <summary>
    /// This goal, and also at least (or at most) <paramref name="fraction"/> × the median of the metric named
    /// <paramref name="metric"/> in the same scenario of the same run; <paramref name="label"/> names it in the table.
    /// </summary>
    public Goal AndFractionOf(double fraction, string metric, string label) =>
        this with { RelativeTo = metric, RelativeLabel = label, Fraction = fraction };

    /// <summary>
    /// Judges <paramref name="value"/> (a median). <paramref name="reference"/> is the median of
    /// <see cref="RelativeTo"/> (null when that metric is missing from the run); <paramref name="judge"/> is false
    /// at scales the goal is not written for, where only the ratio is given.
    /// </summary>
    public GoalVerdict Judge(double value, double? reference, bool judge)
    {
        double? ratio = RelativeTo is null || reference is not { } r || !double.IsFinite(r) || r <= 0 ? null : value / r;
        if (RelativeTo is not null && ratio is null)
        {
            return new GoalVerdict(null, null, $"n/a (no {RelativeLabel} in this run)");
        }
        var measured = ratio is { } x ? $"{x.ToString("0.00", CultureInfo.InvariantCulture)}× {RelativeLabel}" : null;
        if (!judge)
        {
            return new GoalVerdict(null, ratio, measured is null ? "(scaled)" : $"(scaled; {measured})");
        }
        var met = (AtLeast ? value >= Threshold : value <= Threshold)
            && (ratio is not { } q || (AtLeast ? q >= Fraction : q <= Fraction));
        var verdict = met ? "met" : "MISSED";
        return new GoalVerdict(met, ratio, measured is null ? verdict : $"{verdict} ({measured})");
    }

    public override string ToString()
    {
        var absolute = Sign + Threshold.ToString(Threshold >= 100 ? "N0" : "0.###", CultureInfo.InvariantCulture);
        if (RelativeTo is null)
        {
            return absolute;
        }
        var relative = $"{Sign}{Fraction.ToString("0.###", CultureInfo.InvariantCulture)} × {RelativeLabel}";
        return (AtLeast && Threshold == 0) || double.IsPositiveInfinity(Threshold) ? relative : $"{absolute} and {relative}";
    }

    private string Sign => AtLeast ? "≥ " : "≤ ";
}
