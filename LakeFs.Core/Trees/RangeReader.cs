using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using LakeFs.Core.Errors;

namespace LakeFs.Core.Trees;

/// <summary>
/// Reads a range file held in memory. Opening checks the footer, index and properties; each data block's
/// checksum is checked the first time the block is used, so a point lookup does not hash the whole file.
/// Thread-safe: cursors are per caller, the file bytes are immutable.
/// </summary>
internal sealed class RangeReader
{
    private readonly ReadOnlyMemory<byte> _file;
    private readonly byte[] _lastKeys;
    private readonly int[] _lastKeyStarts;
    private readonly int[] _offsets;
    private readonly int[] _lengths;
    private readonly bool[] _verified;

    private RangeReader(string id, ReadOnlyMemory<byte> file, RangeProperties properties, int blockSize, int restartInterval,
        byte[] lastKeys, int[] lastKeyStarts, int[] offsets, int[] lengths)
    {
        Id = id;
        BlockSize = blockSize;
        RestartInterval = restartInterval;
        _file = file;
        Properties = properties;
        _lastKeys = lastKeys;
        _lastKeyStarts = lastKeyStarts;
        _offsets = offsets;
        _lengths = lengths;
        _verified = new bool[offsets.Length];
    }

    public string Id { get; }

    public RangeProperties Properties { get; }

    public int FileSize => _file.Length;

    /// <summary>The block size the file was written with; 0 for version 1 files, whose blocks were cut by size.</summary>
    public int BlockSize { get; }

    /// <summary>The restart interval the file was written with; 0 for version 1 files.</summary>
    public int RestartInterval { get; }

    internal int BlockCount => _offsets.Length;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RangeReader Open(string id, ReadOnlyMemory<byte> file)
    {
        var span = file.Span;
        if (span.Length < RangeFormat.FooterSize)
        {
            throw RangeFormat.Corrupt(id, "it is shorter than a footer");
        }
        var footer = span[^RangeFormat.FooterSize..];
        if (!footer[48..].SequenceEqual(RangeFormat.Magic))
        {
            throw RangeFormat.Corrupt(id, "the footer has no LakeFs magic");
        }
        if (BinaryPrimitives.ReadUInt64LittleEndian(footer[40..]) != RangeFormat.Checksum(footer[..40]))
        {
            throw RangeFormat.Corrupt(id, "the footer fails its checksum");
        }
        var version = BinaryPrimitives.ReadUInt32LittleEndian(footer[32..]);
        if (version is < RangeFormat.FirstVersion or > RangeFormat.Version)
        {
            throw RangeFormat.Corrupt(id, $"format version {version} is unknown");
        }
        var indexOffset = BinaryPrimitives.ReadInt64LittleEndian(footer);
        var indexLength = BinaryPrimitives.ReadInt64LittleEndian(footer[8..]);
        var propsOffset = BinaryPrimitives.ReadInt64LittleEndian(footer[16..]);
        var propsLength = BinaryPrimitives.ReadInt64LittleEndian(footer[24..]);
        RangeFormat.VerifyBlock(span, indexOffset, indexLength, id, "index block");
        RangeFormat.VerifyBlock(span, propsOffset, propsLength, id, "properties block");

        RangeProperties properties;
        int blockSize = 0, restartInterval = 0;
        try
        {
            var reader = new SpanReader(span.Slice((int)propsOffset, (int)propsLength));
            var minKey = reader.ReadBytes().ToArray();
            var maxKey = reader.ReadBytes().ToArray();
            var count = reader.ReadVarInt64();
            var dataBytes = reader.ReadVarInt64();
            if (reader.ReadVarUInt64() != version)
            {
                throw RangeFormat.Corrupt(id, "the properties name another format version");
            }
            if (version >= 2)
            {
                var writtenBlockSize = reader.ReadVarUInt64();
                var writtenRestartInterval = reader.ReadVarUInt64();
                if (writtenBlockSize is 0 or > int.MaxValue || writtenRestartInterval is 0 or > int.MaxValue)
                {
                    throw RangeFormat.Corrupt(id, "the properties name no valid block size or restart interval");
                }
                (blockSize, restartInterval) = ((int)writtenBlockSize, (int)writtenRestartInterval);
            }
            properties = new RangeProperties(minKey, maxKey, count, dataBytes);
        }
        catch (CorruptDataException e) when (!e.Message.Contains(id, StringComparison.Ordinal))
        {
            throw RangeFormat.Corrupt(id, "the properties block is malformed");
        }

        // Two passes over the index (a few dozen entries): count, then fill arrays of exactly that size, with
        // every block's last key in one array. A pass over a range opens it once and keeps it briefly, so what
        // opening allocates is most of what a diff or commit allocates per range.
        var indexBlock = file.Slice((int)indexOffset, (int)indexLength);
        var index = new BlockCursor(id, indexBlock);
        int blocks = 0, keyBytes = 0;
        while (index.MoveNext())
        {
            blocks++;
            keyBytes += index.Key.Length;
        }
        if (blocks == 0)
        {
            throw RangeFormat.Corrupt(id, "the index is empty");
        }
        var lastKeys = new byte[keyBytes];
        var keyStarts = new int[blocks + 1];
        var offsets = new int[blocks];
        var lengths = new int[blocks];
        index.Reset(indexBlock);
        for (var block = 0; index.MoveNext(); block++)
        {
            var handle = index.ValueSpan;
            var pos = 0;
            var offset = RangeFormat.ReadVarInt(handle, ref pos, id);
            var length = RangeFormat.ReadVarInt(handle, ref pos, id);
            if ((long)offset + length + RangeFormat.ChecksumSize > indexOffset)
            {
                throw RangeFormat.Corrupt(id, "a block handle points outside the data area");
            }
            index.Key.CopyTo(lastKeys.AsSpan(keyStarts[block]));
            keyStarts[block + 1] = keyStarts[block] + index.Key.Length;
            offsets[block] = offset;
            lengths[block] = length;
        }
        return new RangeReader(id, file, properties, blockSize, restartInterval, lastKeys, keyStarts, offsets, lengths);
    }

    /// <summary>The value at <paramref name="key"/>: one index search and one in-block search, allocating nothing.</summary>
    public bool TryGet(ReadOnlySpan<byte> key, out ReadOnlyMemory<byte> value)
    {
        var block = FindBlock(key);
        if (block < BlockCount)
        {
            var data = Block(block);
            if (BlockCursor.TryFind(data.Span, key, Id, out var start, out var length))
            {
                value = data.Slice(start, length);
                return true;
            }
        }
        value = default;
        return false;
    }

    public RangeCursor CreateCursor() => new(this);

    /// <summary>Index of the first block whose last key is at or after <paramref name="key"/>; BlockCount when none.</summary>
    internal int FindBlock(ReadOnlySpan<byte> key)
    {
        int lo = 0, hi = _offsets.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (LastKey(mid).SequenceCompareTo(key) < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }

    /// <summary>The last key of data block <paramref name="block"/>, from the index.</summary>
    internal ReadOnlySpan<byte> LastKey(int block) => _lastKeys.AsSpan(_lastKeyStarts[block], _lastKeyStarts[block + 1] - _lastKeyStarts[block]);

    /// <summary>Where data block <paramref name="block"/> starts and how long its payload is (its checksum follows).</summary>
    internal (int Start, int Length) GetBlock(int block) => (_offsets[block], _lengths[block]);

    /// <summary>The block as stored, payload and checksum, not verified: for comparing blocks as bytes.</summary>
    internal ReadOnlySpan<byte> StoredBlock(int block) => _file.Span.Slice(_offsets[block], _lengths[block] + RangeFormat.ChecksumSize);

    /// <summary>Data blocks whose checksum has been checked (each is checked once, when first decoded).</summary>
    internal int VerifiedBlockCount => _verified.Count(v => v);

    /// <summary>The block's payload, verified on first use.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal ReadOnlyMemory<byte> Block(int block)
    {
        if (!_verified[block])
        {
            RangeFormat.VerifyBlock(_file.Span, _offsets[block], _lengths[block], Id, $"data block {block}");
            _verified[block] = true;
        }
        return _file.Slice(_offsets[block], _lengths[block]);
    }
}
