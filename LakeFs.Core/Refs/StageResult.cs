namespace LakeFs.Core.Refs;

/// <summary>Outcome of a <see cref="StageRequest"/>.</summary>
internal enum StageResult
{
    Staged,
    BranchNotFound,
    AlreadyExists,
    HeadMoved,

    /// <summary>A branch-protection rule covers the branch (checked inside the write, so a rule added before it counts).</summary>
    Protected,
}
