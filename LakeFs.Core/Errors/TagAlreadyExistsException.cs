namespace LakeFs.Core.Errors;

/// <summary>A tag with that name exists already (tags are immutable).</summary>
public sealed class TagAlreadyExistsException : AlreadyExistsException
{
    /// <summary>Creates the exception with a message.</summary>
    public TagAlreadyExistsException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public TagAlreadyExistsException(string message, Exception? innerException) : base(message, innerException) { }
}
