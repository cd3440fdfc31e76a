namespace LakeFs.Core.Model;

/// <summary>
/// How far an upload or download has come. Files count once they are complete (staged, or renamed into place); the
/// totals come from the folder's walk or the listing made before the first byte moves.
/// </summary>
/// <param name="FilesDone">Files transferred so far.</param>
/// <param name="FilesTotal">Files to transfer in all.</param>
/// <param name="BytesDone">Bytes of the files transferred so far.</param>
/// <param name="BytesTotal">Bytes to transfer in all (sizes seen by the walk or the listing).</param>
public sealed record TransferProgress(long FilesDone, long FilesTotal, long BytesDone, long BytesTotal);
