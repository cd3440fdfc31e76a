namespace LakeFs.Core.Errors;

/// <summary>A branch with that name exists already.</summary>
public sealed class BranchAlreadyExistsException : AlreadyExistsException
{
    /// <summary>Creates the exception with a message.</summary>
    public BranchAlreadyExistsException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public BranchAlreadyExistsException(string message, Exception? innerException) : base(message, innerException) { }
}
