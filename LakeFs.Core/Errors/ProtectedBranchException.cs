namespace LakeFs.Core.Errors;

/// <summary>
/// The operation is not allowed on this branch: a branch-protection rule forbids it (see
/// <see cref="Repository.ProtectBranchesAsync"/>; <see cref="Rule"/> names the rule), or it would delete the default branch.
/// </summary>
public sealed class ProtectedBranchException : LakeFsException
{
    /// <summary>Creates the exception with a message.</summary>
    public ProtectedBranchException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public ProtectedBranchException(string message, Exception? innerException) : base(message, innerException) { }

    /// <summary>Creates the exception for a branch-protection rule.</summary>
    /// <param name="message">The whole message.</param>
    /// <param name="rule">The pattern of the rule that matched.</param>
    public ProtectedBranchException(string message, string rule) : base(message) => Rule = rule;

    /// <summary>The pattern of the branch-protection rule that refused the operation; null for the default branch's own protection.</summary>
    public string? Rule { get; }
}
