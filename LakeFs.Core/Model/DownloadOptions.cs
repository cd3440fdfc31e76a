namespace LakeFs.Core.Model;

/// <summary>Options of <see cref="Repository.DownloadAsync"/>.</summary>
public sealed record DownloadOptions
{
    /// <summary>How many objects are read and written at once; 8 by default.</summary>
    public int MaxParallelism { get; init; } = 8;

    /// <summary>
    /// Download into a folder that holds files already, replacing a file at an object's path and leaving every other
    /// file as it is. Off by default: a folder that is not empty is refused before anything is written.
    /// </summary>
    public bool Overwrite { get; init; }
}
