namespace LakeFs;

/// <summary>
/// Base type of every error LakeFs raises on purpose: storage errors and versioning errors alike.
/// It lives in the bottom assembly so that one <c>catch (LakeFsException)</c> covers both.
/// </summary>
public class LakeFsException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public LakeFsException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public LakeFsException(string message, Exception? innerException) : base(message, innerException) { }
}
