namespace LakeFs.Core.Errors;

/// <summary>An operation that creates a commit found nothing to commit.</summary>
public sealed class NoChangesException : LakeFsException
{
    /// <summary>Creates the exception with a message.</summary>
    public NoChangesException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public NoChangesException(string message, Exception? innerException) : base(message, innerException) { }
}
