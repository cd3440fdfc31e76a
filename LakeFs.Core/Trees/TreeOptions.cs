namespace LakeFs.Core.Trees;

/// <summary>
/// Shape of range files. Boundaries are content-defined: a range closes after a key that closes a data block and
/// whose hash has the top <see cref="BoundaryBits"/> bits of its high half zero once it is past
/// <see cref="MinRangeBytes"/>, or at the first block end past <see cref="MaxRangeBytes"/>. These only tune cost;
/// files built with other values stay readable (a rewrite copies blocks only from files of the same block size).
/// </summary>
internal sealed record TreeOptions
{
    /// <summary>
    /// Data block size. A diff passes over byte-equal blocks without decoding them, so smaller blocks mean less
    /// walking per changed entry; 4 KiB against 32 KiB measured a random 1,000-change diff on 1M objects at
    /// 38.7 against 47.1 ms and a 1M-entry commit at 4.57 against 4.25 s (more index entries and checksums).
    /// </summary>
    public int BlockSize { get; init; } = 4 * 1024;

    public long MinRangeBytes { get; init; } = 16 * 1024;

    public long MaxRangeBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>
    /// A key is a boundary candidate with chance 2^-BoundaryBits; about half the candidates close a block, so
    /// about 2^(BoundaryBits+1) entries past the minimum size per range. With size-cut blocks (format version 1),
    /// 9 bits with a 16 KiB minimum (≈650 entries a range) measured best overall on the benchmark harness:
    /// 10/32 KiB re-encoded too much per random change, 8/8 KiB paid too much per range file on large commits.
    /// </summary>
    public int BoundaryBits { get; init; } = 8;

    public static TreeOptions Default { get; } = new();
}
