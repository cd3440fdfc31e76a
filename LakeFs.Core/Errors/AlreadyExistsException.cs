namespace LakeFs.Core.Errors;

/// <summary>Something to be created exists already. Subclasses say what.</summary>
public class AlreadyExistsException : LakeFsException
{
    /// <summary>Creates the exception with a message.</summary>
    public AlreadyExistsException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public AlreadyExistsException(string message, Exception? innerException) : base(message, innerException) { }
}
