namespace LakeFs.Core.Model;

/// <summary>What an upload or download transferred.</summary>
public sealed record TransferResult
{
    /// <summary>Files (objects) transferred.</summary>
    public required long Files { get; init; }

    /// <summary>Their bytes.</summary>
    public required long Bytes { get; init; }

    /// <summary>
    /// Entries left out: for an upload, symbolic links (to files or folders), which are never followed; for a download,
    /// folder markers (objects whose path ends with '/').
    /// </summary>
    public required long Skipped { get; init; }
}
