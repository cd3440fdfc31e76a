namespace LakeFs.Core.Tests.TestSupport;

/// <summary>Orders keys as the library does: by unsigned bytes.</summary>
internal sealed class ByteKeyComparer : IComparer<byte[]>
{
    public static ByteKeyComparer Instance { get; } = new();

    public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
}
