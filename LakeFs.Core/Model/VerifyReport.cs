namespace LakeFs.Core.Model;

/// <summary>The outcome of <see cref="Repository.VerifyAsync"/>: what was checked and every problem found.</summary>
/// <param name="Commits">Commits reachable from a branch or tag, each checked once.</param>
/// <param name="MetaRanges">Distinct metaranges checked.</param>
/// <param name="Ranges">Distinct range files checked.</param>
/// <param name="Entries">Entries read from the ranges and from the branches' staging areas.</param>
/// <param name="Objects">Distinct data objects checked (0 when <see cref="VerifyOptions.CheckObjects"/> is off).</param>
/// <param name="ProblemCount">Problems found; more than <see cref="Problems"/> holds when <see cref="VerifyOptions.MaxProblems"/> was reached.</param>
/// <param name="Problems">The problems, up to <see cref="VerifyOptions.MaxProblems"/>, in the order found.</param>
public sealed record VerifyReport(
    long Commits, long MetaRanges, long Ranges, long Entries, long Objects, long ProblemCount, IReadOnlyList<VerifyProblem> Problems)
{
    /// <summary>True when nothing was found damaged or missing.</summary>
    public bool IsClean => ProblemCount == 0;
}
