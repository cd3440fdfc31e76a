namespace LakeFs.Core.Errors;

/// <summary>A repository exists already at the location.</summary>
public sealed class RepositoryAlreadyExistsException : AlreadyExistsException
{
    /// <summary>Creates the exception with a message.</summary>
    public RepositoryAlreadyExistsException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public RepositoryAlreadyExistsException(string message, Exception? innerException) : base(message, innerException) { }
}
