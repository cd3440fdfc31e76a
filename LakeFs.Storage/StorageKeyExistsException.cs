namespace LakeFs.Storage;

/// <summary>A conditional create found the key already taken.</summary>
public class StorageKeyExistsException : StorageException
{
    /// <summary>Creates the exception with a message.</summary>
    public StorageKeyExistsException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public StorageKeyExistsException(string message, Exception? innerException) : base(message, innerException) { }
}
