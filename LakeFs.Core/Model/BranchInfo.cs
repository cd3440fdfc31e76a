namespace LakeFs.Core.Model;

/// <summary>A branch and the commit its head points at.</summary>
/// <param name="Name">The branch name.</param>
/// <param name="Head">The id of the head commit.</param>
public sealed record BranchInfo(string Name, string Head);
