namespace LakeFs.Storage.Azure;

/// <summary>Options of <see cref="AzureBlobObjectStore"/>.</summary>
public sealed record AzureBlobObjectStoreOptions
{
    /// <summary>
    /// Size of one staged block, and the threshold for staging: an object no larger than one block goes up in a single
    /// Put Blob, a larger one as staged blocks committed at the end. At most two blocks are held in memory. Default 8 MiB.
    /// </summary>
    public int BlockSize { get; init; } = 8 * 1024 * 1024;

    /// <summary>
    /// Ask the service to start a listing at the start-after key (the <c>startFrom</c> parameter) instead of at the prefix.
    /// Keys up to and including start-after are skipped on this side either way, so a service that ignores it stays correct.
    /// </summary>
    public bool ListFromStartAfter { get; init; } = true;
}
