using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Runtime.CompilerServices;

namespace LakeFs.Core.Trees;

/// <summary>
/// Builds one range (or metarange) file in memory from keys added in strictly increasing byte order.
/// Deterministic: the same adds always give the same bytes, so the same id.
/// Data blocks are cut by content (see <see cref="Add"/>), so where a block ends depends only on the entries
/// since its start: a block of another file written with the same rule can be copied in as bytes
/// (<see cref="TryCopyBlock"/>) and the file comes out exactly as if its entries had been added one by one.
/// </summary>
internal sealed class RangeWriter
{
    private readonly int _blockSize;
    private readonly int _restartInterval;
    private readonly int _minBlockBytes;
    private readonly int _maxBlockBytes;
    private readonly ulong _closeChancePerByte;

    // Data block entries are encoded straight into the file buffer (the open block runs from _blockStart to
    // the end); finishing a block appends its restart array and checksum in place, so nothing is copied.
    private readonly ArrayBufferWriter<byte> _file = new(64 * 1024);
    private readonly List<int> _restarts = [];
    private readonly ArrayBufferWriter<byte> _index = new(4096);
    private readonly List<int> _indexRestarts = [];
    private byte[] _lastKey = new byte[256];
    private int _lastKeyLength;
    private byte[] _indexLastKey = new byte[256];
    private int _indexLastKeyLength;
    private byte[]? _minKey;
    private int _blockStart;
    private int _blockEntries;
    private int _indexEntries;
    private long _dataBytes;
    private bool _finishedFileInBuffer;

    public RangeWriter(int blockSize = 4 * 1024, int restartInterval = 16)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(restartInterval);
        _blockSize = blockSize;
        _restartInterval = restartInterval;
        _minBlockBytes = blockSize / 2;
        _maxBlockBytes = (int)Math.Min(2L * blockSize, int.MaxValue);
        _closeChancePerByte = (1UL << 32) / (ulong)Math.Max(1, blockSize - _minBlockBytes);
    }

    public int Count { get; private set; }

    /// <summary>XxHash3 of the last key added (or of a copied block's last key).</summary>
    public ulong LastKeyHash { get; private set; }

    public bool IsEmpty => Count == 0;

    /// <summary>Bytes the writer's file buffer holds (it grows to the largest file written).</summary>
    public int BufferCapacity => _file.Capacity;

    /// <summary>The exact size the file would have if finished now; 0 when empty.</summary>
    public long EstimatedSize
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get
        {
            if (IsEmpty)
            {
                return 0;
            }
            var size = (long)_file.WrittenCount;
            var indexEntry = 0L;
            var indexRestarts = _indexRestarts.Count;
            if (_blockEntries > 0)
            {
                var payload = _file.WrittenCount - _blockStart + 4L * (_restarts.Count + 1);
                size += 4L * (_restarts.Count + 1) + RangeFormat.ChecksumSize;
                var key = _lastKey.AsSpan(0, _lastKeyLength);
                var restart = _indexEntries % _restartInterval == 0;
                var shared = restart ? 0 : key.CommonPrefixLength(_indexLastKey.AsSpan(0, _indexLastKeyLength));
                var handle = VarintSize(_blockStart) + VarintSize(payload);
                indexEntry = VarintSize(shared) + VarintSize(key.Length - shared) + VarintSize(handle) + (key.Length - shared) + handle;
                indexRestarts += restart ? 1 : 0;
            }
            size += _index.WrittenCount + indexEntry + 4L * (indexRestarts + 1) + RangeFormat.ChecksumSize;
            size += VarintSize(_minKey!.Length) + _minKey.Length + VarintSize(_lastKeyLength) + _lastKeyLength
                + VarintSize(Count) + VarintSize(_dataBytes) + VarintSize(RangeFormat.Version) + VarintSize(_blockSize)
                + VarintSize(_restartInterval) + RangeFormat.ChecksumSize;
            return size + RangeFormat.FooterSize;
        }
    }

    private static int VarintSize(long value)
    {
        var n = 1;
        for (var v = (ulong)value; v >= 0x80; v >>= 7)
        {
            n++;
        }
        return n;
    }

    /// <summary>
    /// Adds an entry; returns whether it closed a data block. A block closes after an entry once its entries take
    /// half the block size, with a chance per byte of the entry that makes the expected block the block size
    /// (decided by the key's hash, so the same keys always cut the same way), and at twice the block size at most.
    /// Cuts depend on the keys, not on where the block starts in the file, so after an inserted or removed entry a
    /// rewritten range falls back into the old blocks within a block or two.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Add(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        StartEntries();
        var lastKey = _lastKey.AsSpan(0, _lastKeyLength);
        if (Count > 0 && key.SequenceCompareTo(lastKey) <= 0)
        {
            throw new ArgumentException("Keys must be added in strictly increasing order.", nameof(key));
        }
        _minKey ??= key.ToArray();
        var shared = 0;
        if (_blockEntries % _restartInterval == 0)
        {
            _restarts.Add(_file.WrittenCount - _blockStart);
        }
        else
        {
            shared = key.CommonPrefixLength(lastKey);
        }
        var entryStart = _file.WrittenCount;
        AppendEntry(_file, shared, key[shared..], value);
        _blockEntries++;
        Count++;
        _dataBytes += key.Length + value.Length;
        Remember(ref _lastKey, ref _lastKeyLength, key);
        LastKeyHash = XxHash3.HashToUInt64(key);
        if (!ClosesBlock(_file.WrittenCount - _blockStart, _file.WrittenCount - entryStart, LastKeyHash))
        {
            return false;
        }
        FinishDataBlock();
        return true;
    }

    /// <summary>Whether a block whose entries take <paramref name="blockBytes"/> closes after its last entry.</summary>
    private bool ClosesBlock(int blockBytes, int entryBytes, ulong keyHash) =>
        blockBytes >= _maxBlockBytes
        || (blockBytes >= _minBlockBytes && (keyHash >> 32) < (ulong)entryBytes * _closeChancePerByte);

    /// <summary>
    /// Appends data block <paramref name="block"/> of <paramref name="source"/> as stored (payload and checksum)
    /// when that gives the same bytes as adding its entries: this writer is between blocks, the source was written
    /// with the same block size and restart interval, and this writer's rule closes a block at the block's last
    /// entry (a file's last block may have been closed by finishing the file instead). The block is verified first.
    /// Returns the entries copied, 0 when the block has to be added entry by entry.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int TryCopyBlock(RangeReader source, int block)
    {
        if (_blockEntries != 0 || source.BlockSize != _blockSize || source.RestartInterval != _restartInterval)
        {
            return 0;
        }
        var payload = source.Block(block).Span;
        var shape = BlockCursor.Measure(payload, source.Id);
        var lastKey = source.LastKey(block);
        var keyHash = XxHash3.HashToUInt64(lastKey);
        if (!ClosesBlock(shape.EntriesBytes, shape.LastEntryBytes, keyHash))
        {
            return 0;
        }
        var firstKey = payload.Slice(shape.FirstKeyStart, shape.FirstKeyLength);
        if (Count > 0 && firstKey.SequenceCompareTo(_lastKey.AsSpan(0, _lastKeyLength)) <= 0)
        {
            throw new ArgumentException("Keys must be added in strictly increasing order.", nameof(block));
        }
        StartEntries();
        _minKey ??= firstKey.ToArray();
        var offset = _file.WrittenCount;
        _file.Write(source.StoredBlock(block));
        Count += shape.Count;
        _dataBytes += shape.DataBytes;
        Remember(ref _lastKey, ref _lastKeyLength, lastKey);
        LastKeyHash = keyHash;
        _blockStart = _file.WrittenCount;
        AddIndexEntry(offset, payload.Length);
        return shape.Count;
    }

    /// <summary>The first entry after a finished file starts the next file in the same buffer.</summary>
    private void StartEntries()
    {
        if (_finishedFileInBuffer)
        {
            _file.ResetWrittenCount();
            _finishedFileInBuffer = false;
        }
    }

    /// <summary>Finishes the file and returns it with a copy of its bytes the caller owns; the writer starts over.</summary>
    public RangeFile Finish()
    {
        var file = FinishInPlace();
        return file with { Bytes = file.Bytes.ToArray() };
    }

    /// <summary>
    /// Finishes the file without copying it: the returned bytes are the writer's own buffer and stay valid only
    /// until the next <see cref="Add"/> or <see cref="Reset"/>, which starts the next file.
    /// </summary>
    public RangeFile FinishInPlace()
    {
        if (IsEmpty)
        {
            throw new InvalidOperationException("A range file needs at least one entry.");
        }
        if (_blockEntries > 0)
        {
            FinishDataBlock();
        }
        // Index block: same block encoding as data blocks.
        var indexOffset = _file.WrittenCount;
        _file.Write(_index.WrittenSpan);
        var indexLength = FinishBlock(indexOffset, _indexRestarts);
        var maxKey = _lastKey.AsSpan(0, _lastKeyLength).ToArray();
        var properties = new RangeProperties(_minKey!, maxKey, Count, _dataBytes);
        var propsOffset = _file.WrittenCount;
        _file.WriteBytes(_minKey);
        _file.WriteBytes(maxKey);
        _file.WriteVarInt64(Count);
        _file.WriteVarInt64(_dataBytes);
        _file.WriteVarUInt64(RangeFormat.Version);
        _file.WriteVarUInt64((ulong)_blockSize);
        _file.WriteVarUInt64((ulong)_restartInterval);
        var propsLength = _file.WrittenCount - propsOffset;
        AppendChecksum(propsOffset);

        var footer = _file.GetSpan(RangeFormat.FooterSize)[..RangeFormat.FooterSize];
        BinaryPrimitives.WriteInt64LittleEndian(footer, indexOffset);
        BinaryPrimitives.WriteInt64LittleEndian(footer[8..], indexLength);
        BinaryPrimitives.WriteInt64LittleEndian(footer[16..], propsOffset);
        BinaryPrimitives.WriteInt64LittleEndian(footer[24..], propsLength);
        BinaryPrimitives.WriteUInt32LittleEndian(footer[32..], RangeFormat.Version);
        BinaryPrimitives.WriteUInt32LittleEndian(footer[36..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(footer[40..], RangeFormat.Checksum(footer[..40]));
        RangeFormat.Magic.CopyTo(footer[48..]);
        _file.Advance(RangeFormat.FooterSize);

        var bytes = _file.WrittenMemory;
        var file = new RangeFile(Convert.ToHexStringLower(SHA256.HashData(bytes.Span)), bytes, properties);
        ResetEntries();
        _finishedFileInBuffer = true;
        return file;
    }

    public void Reset()
    {
        // ResetWrittenCount, not Clear: the buffers are overwritten anyway, zeroing them is wasted work.
        _file.ResetWrittenCount();
        _finishedFileInBuffer = false;
        ResetEntries();
    }

    private void ResetEntries()
    {
        _restarts.Clear();
        _index.ResetWrittenCount();
        _indexRestarts.Clear();
        _lastKeyLength = 0;
        _indexLastKeyLength = 0;
        _minKey = null;
        _blockStart = 0;
        _blockEntries = 0;
        _indexEntries = 0;
        _dataBytes = 0;
        Count = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FinishDataBlock()
    {
        var offset = _blockStart;
        var length = FinishBlock(offset, _restarts);
        _blockStart = _file.WrittenCount;
        _blockEntries = 0;
        AddIndexEntry(offset, length);
    }

    /// <summary>Index entry of the block just closed: its last key (the writer's last key) → (offset, payload length).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AddIndexEntry(int offset, int length)
    {
        var key = _lastKey.AsSpan(0, _lastKeyLength);
        Span<byte> handle = stackalloc byte[20];
        var handleLength = SpanWriter.WriteVarUInt64(handle, (ulong)offset);
        handleLength += SpanWriter.WriteVarUInt64(handle[handleLength..], (ulong)length);
        var shared = 0;
        if (_indexEntries % _restartInterval == 0)
        {
            _indexRestarts.Add(_index.WrittenCount);
        }
        else
        {
            shared = key.CommonPrefixLength(_indexLastKey.AsSpan(0, _indexLastKeyLength));
        }
        AppendEntry(_index, shared, key[shared..], handle[..handleLength]);
        Remember(ref _indexLastKey, ref _indexLastKeyLength, key);
        _indexEntries++;
    }

    /// <summary>
    /// Closes the block whose entries run from <paramref name="start"/> to the end of the file: appends the
    /// restart array, the restart count and the checksum; returns the payload length.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int FinishBlock(int start, List<int> restarts)
    {
        var tail = _file.GetSpan((restarts.Count + 1) * 4);
        for (var i = 0; i < restarts.Count; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(tail[(i * 4)..], restarts[i]);
        }
        BinaryPrimitives.WriteInt32LittleEndian(tail[(restarts.Count * 4)..], restarts.Count);
        _file.Advance((restarts.Count + 1) * 4);
        var length = _file.WrittenCount - start;
        AppendChecksum(start);
        restarts.Clear();
        return length;
    }

    /// <summary>Appends the checksum of everything written since <paramref name="start"/>.</summary>
    private void AppendChecksum(int start)
    {
        var checksum = RangeFormat.Checksum(_file.WrittenSpan[start..]);
        BinaryPrimitives.WriteUInt64LittleEndian(_file.GetSpan(8), checksum);
        _file.Advance(8);
    }

    private static void Remember(ref byte[] buffer, ref int length, ReadOnlySpan<byte> key)
    {
        if (key.Length > buffer.Length)
        {
            buffer = new byte[Math.Max(key.Length, buffer.Length * 2)];
        }
        key.CopyTo(buffer);
        length = key.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AppendEntry(ArrayBufferWriter<byte> block, int shared, ReadOnlySpan<byte> unshared, ReadOnlySpan<byte> value)
    {
        var span = block.GetSpan(15 + unshared.Length + value.Length);
        var n = SpanWriter.WriteVarUInt64(span, (ulong)shared);
        n += SpanWriter.WriteVarUInt64(span[n..], (ulong)unshared.Length);
        n += SpanWriter.WriteVarUInt64(span[n..], (ulong)value.Length);
        unshared.CopyTo(span[n..]);
        n += unshared.Length;
        value.CopyTo(span[n..]);
        block.Advance(n + value.Length);
    }
}
