namespace LakeFs.Core.Errors;

/// <summary>The location holds no LakeFs repository.</summary>
public sealed class RepositoryNotFoundException : NotFoundException
{
    /// <summary>Creates the exception with a message.</summary>
    public RepositoryNotFoundException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public RepositoryNotFoundException(string message, Exception? innerException) : base(message, innerException) { }
}
