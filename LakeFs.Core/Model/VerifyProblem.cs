namespace LakeFs.Core.Model;

/// <summary>One thing <see cref="Repository.VerifyAsync"/> found damaged or missing.</summary>
public sealed record VerifyProblem
{
    /// <summary>What is wrong.</summary>
    public required VerifyProblemKind Kind { get; init; }

    /// <summary>What is wrong and where, in words, with what to do.</summary>
    public required string Message { get; init; }

    /// <summary>The branch or tag through which the damaged part was reached first.</summary>
    public string? Ref { get; init; }

    /// <summary>The commit concerned: the missing or damaged one, or the first one found whose tree holds the damaged file or object. Null for uncommitted entries.</summary>
    public string? CommitId { get; init; }

    /// <summary>The object path concerned (for a range, the first path it covers); null for commits and metaranges.</summary>
    public string? Path { get; init; }

    /// <summary>
    /// The file concerned: its key in the object store (a range, a metarange, or a data object's physical address),
    /// or, for a commit, the ref store's description.
    /// </summary>
    public string? File { get; init; }
}
