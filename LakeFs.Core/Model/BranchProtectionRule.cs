namespace LakeFs.Core.Model;

/// <summary>
/// A branch-protection rule: branches whose names match <see cref="Pattern"/> change only by merge (see
/// <see cref="Repository.ProtectBranchesAsync"/>).
/// </summary>
public sealed record BranchProtectionRule
{
    /// <summary>A glob over branch names: <c>main</c>, <c>release-*</c>; <c>*</c> spans slashes, <c>?</c> is one character.</summary>
    public required string Pattern { get; init; }

    /// <summary>When the rule was added (the repository's <see cref="TimeProvider"/>).</summary>
    public required DateTimeOffset Created { get; init; }
}
