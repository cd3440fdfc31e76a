namespace LakeFs.Storage;

/// <summary>An object-store operation failed.</summary>
public class StorageException : LakeFs.LakeFsException
{
    /// <summary>Creates the exception with a message.</summary>
    public StorageException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public StorageException(string message, Exception? innerException) : base(message, innerException) { }
}
