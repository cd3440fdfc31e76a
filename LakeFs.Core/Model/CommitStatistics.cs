namespace LakeFs.Core.Model;

/// <summary>What building a commit's tree cost: the cost follows the changes, not the repository size.</summary>
/// <param name="Changes">Paths whose committed entry changed (added, changed or removed).</param>
/// <param name="EntriesWritten">Entries written into new range files (changed entries plus their unchanged neighbours in rewritten ranges).</param>
/// <param name="EntriesCopied">Of <paramref name="EntriesWritten"/>, the entries in data blocks no change touched, copied from the base range as bytes without being decoded.</param>
/// <param name="RangesWritten">Range files written.</param>
/// <param name="RangesReused">Ranges of the base tree reused by id without being opened.</param>
public sealed record CommitStatistics(long Changes, long EntriesWritten, long EntriesCopied, int RangesWritten, int RangesReused);
