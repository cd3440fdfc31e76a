namespace LakeFs.Core.Errors;

/// <summary>A stored file failed verification (checksum mismatch, bad footer, truncated block). The message names the file.</summary>
public sealed class CorruptDataException : LakeFsException
{
    /// <summary>Creates the exception with a message.</summary>
    public CorruptDataException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public CorruptDataException(string message, Exception? innerException) : base(message, innerException) { }
}
