namespace LakeFs.Core.Errors;

/// <summary>No object exists at the path on the given ref.</summary>
public sealed class ObjectNotFoundException : NotFoundException
{
    /// <summary>Creates the exception with a message.</summary>
    public ObjectNotFoundException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public ObjectNotFoundException(string message, Exception? innerException) : base(message, innerException) { }
}
