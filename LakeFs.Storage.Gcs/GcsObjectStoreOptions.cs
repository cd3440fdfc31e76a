namespace LakeFs.Storage.Gcs;

/// <summary>Options of <see cref="GcsObjectStore"/>.</summary>
public sealed record GcsObjectStoreOptions
{
    /// <summary>
    /// Chunk size of resumable uploads, a multiple of 256 KiB. One chunk at most is held in memory per upload. Default 8 MiB.
    /// </summary>
    public int ChunkSize { get; init; } = 8 * 1024 * 1024;
}
