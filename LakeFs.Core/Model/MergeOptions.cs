namespace LakeFs.Core.Model;

/// <summary>Options of <see cref="Repository.MergeAsync"/>.</summary>
public sealed record MergeOptions
{
    /// <summary>What to do with conflicts when no <see cref="Resolver"/> is given (default: fail and list them all).</summary>
    public MergeStrategy Strategy { get; init; } = MergeStrategy.Fail;

    /// <summary>Called once per conflicting path, in path order; overrides <see cref="Strategy"/>.</summary>
    public Func<Conflict, ConflictResolution>? Resolver { get; init; }

    /// <summary>Fast-forward policy (default: allowed).</summary>
    public FastForward FastForward { get; init; } = FastForward.Allowed;

    /// <summary>Create a commit with only the destination as parent (the source's history is not linked).</summary>
    public bool Squash { get; init; }

    /// <summary>Message of the merge commit (default: "Merge 'source' into 'destination'").</summary>
    public string? Message { get; init; }

    /// <summary>Metadata of the merge commit.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Committer of the merge commit (default: the repository's).</summary>
    public string? Committer { get; init; }

    /// <summary>Merge even when the source brings nothing new (otherwise <see cref="Errors.NoChangesException"/>).</summary>
    public bool AllowEmpty { get; init; }
}
