namespace LakeFs.Core.Model;

/// <summary>The outcome of <see cref="Repository.VerifyAsync"/>: what was checked and every problem found.</summary>
public sealed record VerifyReport
{
    /// <summary>Commits reachable from a branch or tag, each checked once.</summary>
    public required long Commits { get; init; }

    /// <summary>Distinct metaranges checked.</summary>
    public required long MetaRanges { get; init; }

    /// <summary>Distinct range files checked.</summary>
    public required long Ranges { get; init; }

    /// <summary>Entries read from the ranges and from the branches' staging areas.</summary>
    public required long Entries { get; init; }

    /// <summary>Distinct data objects checked (0 when <see cref="VerifyOptions.CheckObjects"/> is off).</summary>
    public required long Objects { get; init; }

    /// <summary>Problems found; more than <see cref="Problems"/> holds when <see cref="VerifyOptions.MaxProblems"/> was reached.</summary>
    public required long ProblemCount { get; init; }

    /// <summary>The problems, up to <see cref="VerifyOptions.MaxProblems"/>, in the order found.</summary>
    public required IReadOnlyList<VerifyProblem> Problems { get; init; }

    /// <summary>True when nothing was found damaged or missing.</summary>
    public bool IsClean => ProblemCount == 0;
}
