namespace LakeFs.Core.Model;

/// <summary>A tag: an immutable name for a commit.</summary>
public sealed record TagInfo
{
    /// <summary>The tag name.</summary>
    public required string Name { get; init; }

    /// <summary>The commit it names.</summary>
    public required string CommitId { get; init; }

    /// <summary>
    /// Post-hooks that failed after this operation succeeded (it stands; each failure is also logged). Empty when all
    /// succeeded or none ran; set only on the result of the call that made the change.
    /// </summary>
    public IReadOnlyList<HookRun> PostHookFailures { get; init; } = [];
}
