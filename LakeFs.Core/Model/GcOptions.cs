namespace LakeFs.Core.Model;

/// <summary>Options of <see cref="Repository.CollectGarbageAsync"/>.</summary>
public sealed record GcOptions
{
    /// <summary>Report what would be expired and deleted without marking or deleting anything (and without recording swept partitions).</summary>
    public bool DryRun { get; init; }

    /// <summary>
    /// Data objects, ranges and metaranges younger than this are never deleted (default 24 hours), judged by the hour
    /// in a data object's address (the hour's end) and by the time the object store reports for it, whichever is later;
    /// commits younger than this are never expired. It protects writes in flight: a put, a direct upload before
    /// <see cref="Repository.LinkObjectAsync"/>, or a commit that takes longer than this is not protected.
    /// </summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Batch deletes (<see cref="LakeFs.Storage.IObjectStore.DeleteManyAsync"/>, up to 1,000 objects each) in flight
    /// against the object store at once, while the sweep lists on (default 8).
    /// </summary>
    public int MaxParallelism { get; init; } = 8;

    /// <summary>
    /// Marked data addresses held in memory (24 bytes each, default 1,048,576: about 25 MB); past that they are sorted
    /// into run files under <see cref="SpillFolder"/> and merged back during the sweep, so memory stays bounded
    /// whatever the repository's size.
    /// </summary>
    public int MaxMarksInMemory { get; init; } = 1 << 20;

    /// <summary>Where run files of marked addresses go (a folder of its own is made and removed inside); default the system's temporary folder.</summary>
    public string? SpillFolder { get; init; }
}
