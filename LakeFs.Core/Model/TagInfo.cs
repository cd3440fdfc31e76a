namespace LakeFs.Core.Model;

/// <summary>A tag: an immutable name for a commit.</summary>
/// <param name="Name">The tag name.</param>
/// <param name="CommitId">The commit it names.</param>
public sealed record TagInfo(string Name, string CommitId)
{
    /// <summary>
    /// Post-hooks that failed after this operation succeeded (it stands; each failure is also logged). Empty when all
    /// succeeded or none ran; set only on the result of the call that made the change.
    /// </summary>
    public IReadOnlyList<HookRun> PostHookFailures { get; init; } = [];
}
