namespace LakeFs.Core.Errors;

/// <summary>Something named in a call does not exist. Subclasses say what.</summary>
public class NotFoundException : LakeFsException
{
    /// <summary>Creates the exception with a message.</summary>
    public NotFoundException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public NotFoundException(string message, Exception? innerException) : base(message, innerException) { }
}
