namespace LakeFs.Benchmarks.Infrastructure;

/// <summary>
/// How a median stands against its goal: <see cref="Met"/> is null when it is not judged (scaled run, missing
/// reference); <see cref="Ratio"/> is the median over the reference metric's for a relative goal.
/// </summary>
public sealed record GoalVerdict(bool? Met, double? Ratio, string Text);
