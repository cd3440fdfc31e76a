namespace LakeFs.Core.Model;

/// <summary>
/// A branch-protection rule: branches whose names match <paramref name="Pattern"/> change only by merge (see
/// <see cref="Repository.ProtectBranchesAsync"/>).
/// </summary>
/// <param name="Pattern">A glob over branch names: <c>main</c>, <c>release-*</c>; <c>*</c> spans slashes, <c>?</c> is one character.</param>
/// <param name="Created">When the rule was added (the repository's <see cref="TimeProvider"/>).</param>
public sealed record BranchProtectionRule(string Pattern, DateTimeOffset Created);
