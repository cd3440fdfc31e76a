namespace LakeFs.Core.Errors;

/// <summary>
/// A new branch or tag name would be a folder of an existing ref, or have one as its folder: <c>a/b</c> while
/// <c>a</c> exists, or <c>a</c> while <c>a/b</c> exists. As in git, a ref name is never also a folder of refs, so
/// <c>&lt;ref&gt;/&lt;path&gt;</c> (S3 gateway keys, for one) splits one way only.
/// </summary>
public sealed class RefNameConflictException : AlreadyExistsException
{
    /// <summary>Creates the exception with a message.</summary>
    public RefNameConflictException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public RefNameConflictException(string message, Exception? innerException) : base(message, innerException) { }
}
