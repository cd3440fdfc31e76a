namespace LakeFs.Core.Errors;

/// <summary>
/// An object's content type, checksum or user metadata, or a commit's message, committer or metadata, breaks the
/// rules of <see cref="Model.MetadataLimits"/>.
/// </summary>
public sealed class InvalidMetadataException : LakeFsException
{
    /// <summary>Creates the exception with a message.</summary>
    public InvalidMetadataException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public InvalidMetadataException(string message, Exception? innerException) : base(message, innerException) { }
}
