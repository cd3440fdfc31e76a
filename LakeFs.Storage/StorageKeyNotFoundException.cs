namespace LakeFs.Storage;

/// <summary>No object has the given key.</summary>
public class StorageKeyNotFoundException : StorageException
{
    /// <summary>Creates the exception with a message.</summary>
    public StorageKeyNotFoundException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public StorageKeyNotFoundException(string message, Exception? innerException) : base(message, innerException) { }
}
