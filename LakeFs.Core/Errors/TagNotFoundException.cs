namespace LakeFs.Core.Errors;

/// <summary>The named tag does not exist.</summary>
public sealed class TagNotFoundException : RefNotFoundException
{
    /// <summary>Creates the exception with a message.</summary>
    public TagNotFoundException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public TagNotFoundException(string message, Exception? innerException) : base(message, innerException) { }
}
