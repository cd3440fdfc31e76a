namespace LakeFs.Core.Errors;

/// <summary>An object path is empty, too long, or not a valid key.</summary>
public sealed class InvalidPathException : LakeFsException
{
    /// <summary>Creates the exception with a message.</summary>
    public InvalidPathException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public InvalidPathException(string message, Exception? innerException) : base(message, innerException) { }
}
