namespace LakeFs.Core.Errors;

/// <summary>
/// One file of an upload or download failed; <see cref="Exception.InnerException"/> holds the cause. What completed
/// before stays: uploaded objects stay staged on the branch, downloaded files stay in the folder.
/// </summary>
public sealed class TransferFailedException : LakeFsException
{
    /// <summary>Creates the exception with a message.</summary>
    public TransferFailedException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public TransferFailedException(string message, Exception? innerException) : base(message, innerException) { }

    /// <summary>Creates the exception for one file.</summary>
    public TransferFailedException(string message, string objectPath, string localPath, long filesCompleted, Exception? innerException)
        : base(message, innerException)
    {
        ObjectPath = objectPath;
        LocalPath = localPath;
        FilesCompleted = filesCompleted;
    }

    /// <summary>The object's path in the repository.</summary>
    public string ObjectPath { get; } = "";

    /// <summary>The file's full path on the local file system.</summary>
    public string LocalPath { get; } = "";

    /// <summary>Files completed by the call before it stopped (they stay staged, or stay in the folder).</summary>
    public long FilesCompleted { get; }
}
