namespace LakeFs.Core.Tests.Storage;

/// <summary>Lexicographic order of byte arrays: the independent oracle for UTF-8 key order.</summary>
public sealed class ByteArrayComparer : IComparer<byte[]>
{
    public static ByteArrayComparer Instance { get; } = new();

    public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
}
