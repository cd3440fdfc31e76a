namespace LakeFs.Core.Trees;

/// <summary>
/// One path a three-way merge must look at. Not a conflict: apply <see cref="Source"/> (null deletes).
/// A conflict: both sides changed the path to different identities; a resolution decides.
/// </summary>
internal sealed record ThreeWayDifference(
    byte[] Key, ReadOnlyMemory<byte>? Base, ReadOnlyMemory<byte>? Source, ReadOnlyMemory<byte>? Destination, bool IsConflict);
