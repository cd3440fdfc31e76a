namespace LakeFs.Core.Errors;

/// <summary>The named branch does not exist.</summary>
public sealed class BranchNotFoundException : RefNotFoundException
{
    /// <summary>Creates the exception with a message.</summary>
    public BranchNotFoundException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public BranchNotFoundException(string message, Exception? innerException) : base(message, innerException) { }
}
