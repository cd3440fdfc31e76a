namespace LakeFs.Core.Errors;

/// <summary>A download was asked to write into a folder that holds files, without <see cref="Model.DownloadOptions.Overwrite"/>.</summary>
public sealed class FolderNotEmptyException : LakeFsException
{
    /// <summary>Creates the exception with a message.</summary>
    public FolderNotEmptyException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public FolderNotEmptyException(string message, Exception? innerException) : base(message, innerException) { }
}
