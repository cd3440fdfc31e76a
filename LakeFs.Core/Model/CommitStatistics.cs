namespace LakeFs.Core.Model;

/// <summary>What building a commit's tree cost: the cost follows the changes, not the repository size.</summary>
/// <param name="Changes">Paths whose committed entry changed (added, changed or removed).</param>
/// <param name="EntriesWritten">Entries written into new range files (changed entries plus their unchanged neighbours in rewritten ranges).</param>
/// <param name="RangesWritten">Range files written.</param>
/// <param name="RangesReused">Ranges of the base tree reused by id without being opened.</param>
public sealed record CommitStatistics(long Changes, long EntriesWritten, int RangesWritten, int RangesReused);
