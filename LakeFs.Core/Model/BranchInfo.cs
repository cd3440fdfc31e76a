namespace LakeFs.Core.Model;

/// <summary>A branch and the commit its head points at.</summary>
/// <param name="Name">The branch name.</param>
/// <param name="Head">The id of the head commit.</param>
public sealed record BranchInfo(string Name, string Head)
{
    /// <summary>
    /// Post-hooks that failed after this operation succeeded (it stands; each failure is also logged). Empty when all
    /// succeeded or none ran; set only on the result of the call that made the change.
    /// </summary>
    public IReadOnlyList<HookRun> PostHookFailures { get; init; } = [];
}
