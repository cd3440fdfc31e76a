namespace LakeFs.Core.Trees;

/// <summary>A finished range or metarange file: its id (lowercase hex SHA-256 of the bytes), bytes and properties.</summary>
internal sealed record RangeFile(string Id, ReadOnlyMemory<byte> Bytes, RangeProperties Properties);
