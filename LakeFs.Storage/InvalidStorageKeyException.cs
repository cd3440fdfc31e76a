namespace LakeFs.Storage;

/// <summary>A key is not acceptable to the store (empty, absolute, contains '..', a backslash or NUL, or escapes the root).</summary>
public class InvalidStorageKeyException : StorageException
{
    /// <summary>Creates the exception with a message.</summary>
    public InvalidStorageKeyException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public InvalidStorageKeyException(string message, Exception? innerException) : base(message, innerException) { }
}
