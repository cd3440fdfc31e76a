namespace LakeFs.Core.Errors;

/// <summary>A concurrent change won a race (for example the branch head moved during a commit, more times than the retry budget).</summary>
public class ConflictException : LakeFsException
{
    /// <summary>Creates the exception with a message.</summary>
    public ConflictException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public ConflictException(string message, Exception? innerException) : base(message, innerException) { }
}
