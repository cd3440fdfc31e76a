namespace LakeFs.Storage;

/// <summary>Options of <see cref="CachingObjectStore"/>: where it keeps its files and how many bytes they may take.</summary>
public sealed record FileCacheOptions
{
    /// <summary>The folder the cache keeps its files in. It should belong to the cache alone.</summary>
    public required string Folder { get; init; }

    /// <summary>The most bytes the cached files may take; least recently read files are evicted beyond it. Default 1 GiB.</summary>
    public long MaxBytes { get; init; } = 1L << 30;
}
