namespace LakeFs.Core.Errors;

/// <summary>The branch has uncommitted changes, which the operation would mix with its own. The message names some of them; commit or reset first.</summary>
public sealed class DirtyBranchException : LakeFsException
{
    /// <summary>Creates the exception with a message.</summary>
    public DirtyBranchException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public DirtyBranchException(string message, Exception? innerException) : base(message, innerException) { }
}
