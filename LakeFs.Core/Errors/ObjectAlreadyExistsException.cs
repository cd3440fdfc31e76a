namespace LakeFs.Core.Errors;

/// <summary>An if-none-match put found an object at the path already.</summary>
public sealed class ObjectAlreadyExistsException : AlreadyExistsException
{
    /// <summary>Creates the exception with a message.</summary>
    public ObjectAlreadyExistsException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public ObjectAlreadyExistsException(string message, Exception? innerException) : base(message, innerException) { }
}
