namespace LakeFs.Core.Model;

/// <summary>The outcome of a merge.</summary>
/// <param name="Head">The destination's new head commit id.</param>
/// <param name="Commit">The merge (or squash) commit; null when the merge fast-forwarded.</param>
/// <param name="FastForwarded">True when the head just moved to the source's commit.</param>
/// <param name="Changes">Paths changed on the destination by the merge.</param>
/// <param name="ConflictsResolved">Conflicts resolved by the strategy or the resolver.</param>
public sealed record MergeResult(string Head, Commit? Commit, bool FastForwarded, long Changes, int ConflictsResolved)
{
    /// <summary>
    /// Post-hooks that failed after this operation succeeded (it stands; each failure is also logged). Empty when all
    /// succeeded or none ran; set only on the result of the call that made the change.
    /// </summary>
    public IReadOnlyList<HookRun> PostHookFailures { get; init; } = [];
}
