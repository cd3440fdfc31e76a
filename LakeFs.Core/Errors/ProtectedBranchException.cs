namespace LakeFs.Core.Errors;

/// <summary>The operation is not allowed on this branch (for example deleting the default branch).</summary>
public sealed class ProtectedBranchException : LakeFsException
{
    /// <summary>Creates the exception with a message.</summary>
    public ProtectedBranchException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public ProtectedBranchException(string message, Exception? innerException) : base(message, innerException) { }
}
