namespace LakeFs.Storage;

/// <summary>
/// The store kept different bytes than it was given: a checksum the backend returned for an upload does not match
/// the bytes sent, or an object read back differs from what was written. Retrying does not help; the message says
/// what to change (for an S3-compatible server that stores <c>aws-chunked</c> bodies verbatim:
/// <c>S3ObjectStoreOptions.UseChunkEncoding = false</c>).
/// </summary>
public sealed class StorageIntegrityException : StorageException
{
    /// <summary>Creates the exception with a message.</summary>
    public StorageIntegrityException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public StorageIntegrityException(string message, Exception? innerException) : base(message, innerException) { }
}
