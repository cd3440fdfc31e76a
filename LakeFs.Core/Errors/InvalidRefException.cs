namespace LakeFs.Core.Errors;

/// <summary>A ref expression is malformed (for example a bad ~N or ^N modifier).</summary>
public sealed class InvalidRefException : LakeFsException
{
    /// <summary>Creates the exception with a message.</summary>
    public InvalidRefException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public InvalidRefException(string message, Exception? innerException) : base(message, innerException) { }
}
