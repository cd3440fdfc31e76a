namespace LakeFs.Core.Model;

/// <summary>What building a commit's tree cost: the cost follows the changes, not the repository size.</summary>
public sealed record CommitStatistics
{
    /// <summary>Paths whose committed entry changed (added, changed or removed).</summary>
    public required long Changes { get; init; }

    /// <summary>Entries written into new range files (changed entries plus their unchanged neighbours in rewritten ranges).</summary>
    public required long EntriesWritten { get; init; }

    /// <summary>Of <see cref="EntriesWritten"/>, the entries in data blocks no change touched, copied from the base range as bytes without being decoded.</summary>
    public required long EntriesCopied { get; init; }

    /// <summary>Range files written.</summary>
    public required int RangesWritten { get; init; }

    /// <summary>Ranges of the base tree reused by id without being opened.</summary>
    public required int RangesReused { get; init; }
}
