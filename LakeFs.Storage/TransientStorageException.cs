namespace LakeFs.Storage;

/// <summary>A failure that may succeed when retried (throttling, 5xx, timeouts).</summary>
public class TransientStorageException : StorageException
{
    /// <summary>Creates the exception with a message.</summary>
    public TransientStorageException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public TransientStorageException(string message, Exception? innerException) : base(message, innerException) { }
}
