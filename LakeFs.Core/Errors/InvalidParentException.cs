namespace LakeFs.Core.Errors;

/// <summary>A parent number does not fit the commit: missing for a merge commit, given for a single-parent commit, out of range, or the commit has no parent.</summary>
public sealed class InvalidParentException : LakeFsException
{
    /// <summary>Creates the exception with a message.</summary>
    public InvalidParentException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public InvalidParentException(string message, Exception? innerException) : base(message, innerException) { }
}
