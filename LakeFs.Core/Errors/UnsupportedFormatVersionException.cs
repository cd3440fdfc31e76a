namespace LakeFs.Core.Errors;

/// <summary>
/// The repository was written by a newer version of LakeFs, in a format this version cannot read. The message names
/// the file, its format version and the one this version supports; upgrade the library to open it.
/// </summary>
public sealed class UnsupportedFormatVersionException : LakeFsException
{
    /// <summary>Creates the exception with a message.</summary>
    public UnsupportedFormatVersionException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public UnsupportedFormatVersionException(string message, Exception? innerException) : base(message, innerException) { }
}
