namespace LakeFs.Storage;

/// <summary>Options of <see cref="CachingObjectStore"/>.</summary>
public sealed record FileCacheOptions
{
    /// <summary>The folder the cache keeps its files in. It should belong to the cache alone.</summary>
    public required string Folder { get; init; }

    /// <summary>The most bytes the cached files may take; least recently read files are evicted beyond it. Default 1 GiB.</summary>
    public long MaxBytes { get; init; } = 1L << 30;

    /// <summary>
    /// Key prefixes of immutable objects, the only ones cached: a key under them is written once and never changes.
    /// Default: <c>_lakefs/</c>, where range and metarange files live.
    /// </summary>
    public IReadOnlyList<string> ImmutablePrefixes { get; init; } = ["_lakefs/"];
}
