namespace LakeFs.Core.Model;

/// <summary>A branch and the commit its head points at.</summary>
public sealed record BranchInfo
{
    /// <summary>The branch name.</summary>
    public required string Name { get; init; }

    /// <summary>The id of the head commit.</summary>
    public required string Head { get; init; }

    /// <summary>
    /// Post-hooks that failed after this operation succeeded (it stands; each failure is also logged). Empty when all
    /// succeeded or none ran; set only on the result of the call that made the change.
    /// </summary>
    public IReadOnlyList<HookRun> PostHookFailures { get; init; } = [];
}
