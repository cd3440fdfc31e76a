namespace LakeFs.Storage.Memory;

/// <summary>One object of a <see cref="MemoryObjectStore"/>: its bytes (never shared with callers) and its stat.</summary>
internal sealed record MemoryObject(byte[] Bytes, ObjectStat Stat);
