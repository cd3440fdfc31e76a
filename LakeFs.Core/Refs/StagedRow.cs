namespace LakeFs.Core.Refs;

/// <summary>One staged row: a path and its encoded entry, or null for a tombstone (the path is deleted).</summary>
internal readonly record struct StagedRow(byte[] Path, byte[]? Entry);
