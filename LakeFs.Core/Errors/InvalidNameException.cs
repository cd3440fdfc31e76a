namespace LakeFs.Core.Errors;

/// <summary>A branch or tag name breaks the naming rules.</summary>
public sealed class InvalidNameException : LakeFsException
{
    /// <summary>Creates the exception with a message.</summary>
    public InvalidNameException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public InvalidNameException(string message, Exception? innerException) : base(message, innerException) { }
}
