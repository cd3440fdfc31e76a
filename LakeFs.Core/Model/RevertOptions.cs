namespace LakeFs.Core.Model;

/// <summary>Options of <see cref="Repository.RevertAsync"/> and <see cref="Repository.CherryPickAsync"/>.</summary>
public sealed record RevertOptions
{
    /// <summary>For a merge commit: which parent (1-based) to diff against. Required for merges, refused otherwise.</summary>
    public int? ParentNumber { get; init; }

    /// <summary>What to do with conflicts against later changes (default: fail and list them all).</summary>
    public MergeStrategy Strategy { get; init; } = MergeStrategy.Fail;

    /// <summary>Called once per conflicting path; overrides <see cref="Strategy"/>.</summary>
    public Func<Conflict, ConflictResolution>? Resolver { get; init; }

    /// <summary>Message of the new commit (default: "Revert …" or the picked commit's message).</summary>
    public string? Message { get; init; }

    /// <summary>Metadata of the new commit (the source commit's id is added under a lakefs.* key).</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Committer of the new commit (default: the repository's).</summary>
    public string? Committer { get; init; }
}
