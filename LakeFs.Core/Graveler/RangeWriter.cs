using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace LakeFs.Core.Graveler;

/// <summary>
/// Builds one range (or metarange) file in memory from keys added in strictly increasing byte order.
/// Deterministic: the same adds always give the same bytes, so the same id.
/// </summary>
internal sealed class RangeWriter
{
    private readonly int _blockSize;
    private readonly int _restartInterval;
    private readonly ArrayBufferWriter<byte> _file = new(64 * 1024);
    private readonly ArrayBufferWriter<byte> _block;
    private readonly List<int> _restarts = [];
    private readonly ArrayBufferWriter<byte> _index = new(4096);
    private readonly List<int> _indexRestarts = [];
    private byte[] _lastKey = new byte[256];
    private int _lastKeyLength;
    private byte[]? _minKey;
    private int _blockEntries;
    private int _indexEntries;
    private byte[] _indexLastKey = [];
    private long _dataBytes;

    public RangeWriter(int blockSize = 32 * 1024, int restartInterval = 16)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(restartInterval);
        _blockSize = blockSize;
        _restartInterval = restartInterval;
        _block = new ArrayBufferWriter<byte>(blockSize + 1024);
    }

    public int Count { get; private set; }

    public bool IsEmpty => Count == 0;

    /// <summary>The exact size the file would have if finished now; 0 when empty.</summary>
    public long EstimatedSize
    {
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
                var payload = _block.WrittenCount + 4L * (_restarts.Count + 1);
                size += payload + RangeFormat.ChecksumSize;
                var key = _lastKey.AsSpan(0, _lastKeyLength);
                var restart = _indexEntries % _restartInterval == 0;
                var shared = restart ? 0 : key.CommonPrefixLength(_indexLastKey);
                var handle = VarintSize(_file.WrittenCount) + VarintSize(payload);
                indexEntry = VarintSize(shared) + VarintSize(key.Length - shared) + VarintSize(handle) + (key.Length - shared) + handle;
                indexRestarts += restart ? 1 : 0;
            }
            size += _index.WrittenCount + indexEntry + 4L * (indexRestarts + 1) + RangeFormat.ChecksumSize;
            size += VarintSize(_minKey!.Length) + _minKey.Length + VarintSize(_lastKeyLength) + _lastKeyLength
                + VarintSize(Count) + VarintSize(_dataBytes) + VarintSize(RangeFormat.Version) + RangeFormat.ChecksumSize;
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

    public void Add(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (Count > 0 && key.SequenceCompareTo(_lastKey.AsSpan(0, _lastKeyLength)) <= 0)
        {
            throw new ArgumentException("Keys must be added in strictly increasing order.", nameof(key));
        }
        _minKey ??= key.ToArray();
        var shared = 0;
        if (_blockEntries % _restartInterval == 0)
        {
            _restarts.Add(_block.WrittenCount);
        }
        else
        {
            shared = key.CommonPrefixLength(_lastKey.AsSpan(0, _lastKeyLength));
        }
        AppendEntry(_block, shared, key[shared..], value);
        _blockEntries++;
        Count++;
        _dataBytes += key.Length + value.Length;
        if (key.Length > _lastKey.Length)
        {
            _lastKey = new byte[Math.Max(key.Length, _lastKey.Length * 2)];
        }
        key.CopyTo(_lastKey);
        _lastKeyLength = key.Length;
        if (_block.WrittenCount >= _blockSize)
        {
            FinishDataBlock();
        }
    }

    public RangeFile Finish()
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
        var indexLength = WriteBlock(_index, _indexRestarts);
        var maxKey = _lastKey.AsSpan(0, _lastKeyLength).ToArray();
        var properties = new RangeProperties(_minKey!, maxKey, Count, _dataBytes);
        var props = new ArrayBufferWriter<byte>(64 + _minKey!.Length + maxKey.Length);
        props.WriteBytes(_minKey);
        props.WriteBytes(maxKey);
        props.WriteVarInt64(Count);
        props.WriteVarInt64(_dataBytes);
        props.WriteVarUInt64(RangeFormat.Version);
        var propsOffset = _file.WrittenCount;
        AppendWithChecksum(props.WrittenSpan);

        var footer = _file.GetSpan(RangeFormat.FooterSize)[..RangeFormat.FooterSize];
        BinaryPrimitives.WriteInt64LittleEndian(footer, indexOffset);
        BinaryPrimitives.WriteInt64LittleEndian(footer[8..], indexLength);
        BinaryPrimitives.WriteInt64LittleEndian(footer[16..], propsOffset);
        BinaryPrimitives.WriteInt64LittleEndian(footer[24..], props.WrittenCount);
        BinaryPrimitives.WriteUInt32LittleEndian(footer[32..], RangeFormat.Version);
        BinaryPrimitives.WriteUInt32LittleEndian(footer[36..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(footer[40..], RangeFormat.Checksum(footer[..40]));
        RangeFormat.Magic.CopyTo(footer[48..]);
        _file.Advance(RangeFormat.FooterSize);

        var bytes = _file.WrittenSpan.ToArray();
        var file = new RangeFile(Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes, properties);
        Reset();
        return file;
    }

    public void Reset()
    {
        _file.Clear();
        _block.Clear();
        _restarts.Clear();
        _index.Clear();
        _indexRestarts.Clear();
        _lastKeyLength = 0;
        _minKey = null;
        _blockEntries = 0;
        _indexEntries = 0;
        _indexLastKey = [];
        _dataBytes = 0;
        Count = 0;
    }

    private void FinishDataBlock()
    {
        var offset = _file.WrittenCount;
        var length = WriteBlock(_block, _restarts);
        _blockEntries = 0;

        // Index entry: last key of the block -> (offset, payload length).
        var key = _lastKey.AsSpan(0, _lastKeyLength);
        var handle = new ArrayBufferWriter<byte>(16);
        handle.WriteVarInt64(offset);
        handle.WriteVarInt64(length);
        var shared = 0;
        if (_indexEntries % _restartInterval == 0)
        {
            _indexRestarts.Add(_index.WrittenCount);
        }
        else
        {
            shared = key.CommonPrefixLength(_indexLastKey);
        }
        AppendEntry(_index, shared, key[shared..], handle.WrittenSpan);
        _indexLastKey = key.ToArray();
        _indexEntries++;
    }

    /// <summary>Appends block entries + restart array + restart count + checksum to the file; returns the payload length.</summary>
    private int WriteBlock(ArrayBufferWriter<byte> entries, List<int> restarts)
    {
        var tail = new byte[(restarts.Count + 1) * 4];
        for (var i = 0; i < restarts.Count; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(tail.AsSpan(i * 4), restarts[i]);
        }
        BinaryPrimitives.WriteInt32LittleEndian(tail.AsSpan(restarts.Count * 4), restarts.Count);
        var start = _file.WrittenCount;
        _file.Write(entries.WrittenSpan);
        _file.Write(tail);
        var length = _file.WrittenCount - start;
        var checksum = RangeFormat.Checksum(_file.WrittenSpan.Slice(start, length));
        var span = _file.GetSpan(8);
        BinaryPrimitives.WriteUInt64LittleEndian(span, checksum);
        _file.Advance(8);
        entries.Clear();
        restarts.Clear();
        return length;
    }

    private void AppendWithChecksum(ReadOnlySpan<byte> payload)
    {
        _file.Write(payload);
        var span = _file.GetSpan(8);
        BinaryPrimitives.WriteUInt64LittleEndian(span, RangeFormat.Checksum(payload));
        _file.Advance(8);
    }

    private static void AppendEntry(ArrayBufferWriter<byte> block, int shared, ReadOnlySpan<byte> unshared, ReadOnlySpan<byte> value)
    {
        block.WriteVarUInt64((ulong)shared);
        block.WriteVarUInt64((ulong)unshared.Length);
        block.WriteVarUInt64((ulong)value.Length);
        block.Write(unshared);
        block.Write(value);
    }
}
