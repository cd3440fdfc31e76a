namespace LakeFs.Core.Refs;

/// <summary>
/// A branch and what its staging areas hold at one path, read together (<see cref="IRefStore.TryGetStagedAsync"/>):
/// nothing (<see cref="Found"/> false: the head's tree decides), an entry, or a tombstone (found, null entry).
/// </summary>
internal readonly record struct StagedLookup(BranchRecord Branch, bool Found, byte[]? Entry);
