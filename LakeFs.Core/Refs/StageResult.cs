namespace LakeFs.Core.Refs;

/// <summary>Outcome of a <see cref="StageRequest"/>.</summary>
internal enum StageResult
{
    Staged,
    BranchNotFound,
    AlreadyExists,
    HeadMoved,
}
