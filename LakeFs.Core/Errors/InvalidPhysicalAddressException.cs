namespace LakeFs.Core.Errors;

/// <summary>A physical address given to LinkObjectAsync is missing, outside the repository's namespace, or does not match the given size.</summary>
public sealed class InvalidPhysicalAddressException : LakeFsException
{
    /// <summary>Creates the exception with a message.</summary>
    public InvalidPhysicalAddressException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public InvalidPhysicalAddressException(string message, Exception? innerException) : base(message, innerException) { }
}
