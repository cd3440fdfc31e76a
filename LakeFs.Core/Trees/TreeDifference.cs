namespace LakeFs.Core.Trees;

/// <summary>A key whose entry differs between two trees; a null side means the key is absent there.</summary>
internal sealed record TreeDifference(byte[] Key, ReadOnlyMemory<byte>? Left, ReadOnlyMemory<byte>? Right);
