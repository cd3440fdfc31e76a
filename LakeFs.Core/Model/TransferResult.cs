namespace LakeFs.Core.Model;

/// <summary>What an upload or download transferred.</summary>
/// <param name="Files">Files (objects) transferred.</param>
/// <param name="Bytes">Their bytes.</param>
/// <param name="Skipped">
/// Entries left out: for an upload, symbolic links (to files or folders), which are never followed; for a download,
/// folder markers (objects whose path ends with '/').
/// </param>
public sealed record TransferResult(long Files, long Bytes, long Skipped);
