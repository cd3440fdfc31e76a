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
    /// Default: <c>_lakefs/ranges/</c> and <c>_lakefs/metaranges/</c>, where a repository keeps its content-addressed
    /// range and metarange files (the rest of <c>_lakefs/</c>, such as the repository marker, is not content-addressed).
    /// </summary>
    public IReadOnlyList<string> ImmutablePrefixes { get; init; } = ["_lakefs/ranges/", "_lakefs/metaranges/"];
}
