namespace LakeFs.Core.Errors;

/// <summary>A ref expression (branch, tag, commit id or prefix, with modifiers) does not resolve to a commit.</summary>
public class RefNotFoundException : NotFoundException
{
    /// <summary>Creates the exception with a message.</summary>
    public RefNotFoundException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public RefNotFoundException(string message, Exception? innerException) : base(message, innerException) { }
}
