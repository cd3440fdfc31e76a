namespace LakeFs.Core.Model;

/// <summary>
/// How far an upload or download has come. Files count once they are complete (staged, or renamed into place); the
/// totals come from the folder's walk or the listing made before the first byte moves.
/// </summary>
public sealed record TransferProgress
{
    /// <summary>Files transferred so far.</summary>
    public required long FilesDone { get; init; }

    /// <summary>Files to transfer in all.</summary>
    public required long FilesTotal { get; init; }

    /// <summary>Bytes of the files transferred so far.</summary>
    public required long BytesDone { get; init; }

    /// <summary>Bytes to transfer in all (sizes seen by the walk or the listing).</summary>
    public required long BytesTotal { get; init; }
}
