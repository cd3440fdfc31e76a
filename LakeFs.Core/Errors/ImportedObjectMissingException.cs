namespace LakeFs.Core.Errors;

/// <summary>
/// An imported object's bytes are gone from the store they were imported from (deleted or moved there since the
/// import). Import again to bring the branch up to date with the source.
/// </summary>
public sealed class ImportedObjectMissingException : NotFoundException
{
    /// <summary>Creates the exception with a message.</summary>
    public ImportedObjectMissingException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public ImportedObjectMissingException(string message, Exception? innerException) : base(message, innerException) { }
}
