namespace LakeFs.Core.Model;

/// <summary>The outcome of a merge.</summary>
public sealed record MergeResult
{
    /// <summary>The destination's new head commit id.</summary>
    public required string Head { get; init; }

    /// <summary>The merge (or squash) commit; null when the merge fast-forwarded.</summary>
    public required Commit? Commit { get; init; }

    /// <summary>True when the head just moved to the source's commit.</summary>
    public required bool FastForwarded { get; init; }

    /// <summary>Paths changed on the destination by the merge.</summary>
    public required long Changes { get; init; }

    /// <summary>Conflicts resolved by the strategy or the resolver.</summary>
    public required int ConflictsResolved { get; init; }

    /// <summary>
    /// Post-hooks that failed after this operation succeeded (it stands; each failure is also logged). Empty when all
    /// succeeded or none ran; set only on the result of the call that made the change.
    /// </summary>
    public IReadOnlyList<HookRun> PostHookFailures { get; init; } = [];
}
