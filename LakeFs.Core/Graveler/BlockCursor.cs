using System.Buffers.Binary;

namespace LakeFs.Core.Graveler;

/// <summary>
/// Walks the entries of one block: prefix-compressed keys with a full key at each restart point, the restart
/// offsets and their count at the block's end. Every bound is checked: a malformed block is corrupt data.
/// A cursor can be moved to another block of the same file (<see cref="Reset"/>), keeping its key buffer.
/// </summary>
internal sealed class BlockCursor
{
    private readonly string _id;
    private ReadOnlyMemory<byte> _block;
    private int _restartCount;
    private int _entriesEnd;
    private int _pos;
    private int _entryStart = -1;
    private byte[] _key = new byte[128];
    private int _keyLength;
    private ReadOnlyMemory<byte> _value;

    public BlockCursor(string id, ReadOnlyMemory<byte> block)
    {
        _id = id;
        Reset(block);
    }

    /// <summary>Moves the cursor to the start of <paramref name="block"/> (before its first entry).</summary>
    public void Reset(ReadOnlyMemory<byte> block)
    {
        var span = block.Span;
        if (span.Length < 4)
        {
            throw RangeFormat.Corrupt(_id, "a block is too short");
        }
        var restartCount = BinaryPrimitives.ReadInt32LittleEndian(span[^4..]);
        if (restartCount < 1 || restartCount > (span.Length - 4) / 4)
        {
            throw RangeFormat.Corrupt(_id, "a block's restart count is out of range");
        }
        _block = block;
        _restartCount = restartCount;
        _entriesEnd = span.Length - 4 * (restartCount + 1);
        _pos = 0;
        _entryStart = -1;
        _keyLength = 0;
        _value = default;
    }

    public ReadOnlySpan<byte> Key => _key.AsSpan(0, _keyLength);

    public ReadOnlyMemory<byte> Value => _value;

    public ReadOnlySpan<byte> ValueSpan => _value.Span;

    /// <summary>Whether the cursor is on the block's first entry.</summary>
    public bool AtFirstEntry => _entryStart == 0;

    public bool MoveNext()
    {
        if (_pos >= _entriesEnd)
        {
            return false;
        }
        var span = _block.Span[.._entriesEnd];
        _entryStart = _pos;
        var shared = RangeFormat.ReadVarInt(span, ref _pos, _id);
        var unshared = RangeFormat.ReadVarInt(span, ref _pos, _id);
        var valueLength = RangeFormat.ReadVarInt(span, ref _pos, _id);
        if (shared > _keyLength || (long)_pos + unshared + valueLength > _entriesEnd)
        {
            throw RangeFormat.Corrupt(_id, "an entry overruns its block");
        }
        var length = shared + unshared;
        if (length > _key.Length)
        {
            Array.Resize(ref _key, Math.Max(length, _key.Length * 2));
        }
        span.Slice(_pos, unshared).CopyTo(_key.AsSpan(shared));
        _keyLength = length;
        _pos += unshared;
        _value = _block.Slice(_pos, valueLength);
        _pos += valueLength;
        return true;
    }

    /// <summary>Positions on the first entry whose key is at or after <paramref name="target"/>; false when none in this block.</summary>
    public bool SeekGE(ReadOnlySpan<byte> target)
    {
        // Binary search the restart points (full keys) for the last one before the target, then scan.
        int lo = 0, hi = _restartCount - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) >>> 1;
            _pos = RestartOffset(mid);
            _keyLength = 0;
            if (!MoveNext() || Key.SequenceCompareTo(target) >= 0)
            {
                hi = mid - 1;
            }
            else
            {
                lo = mid;
            }
        }
        _pos = RestartOffset(lo);
        _keyLength = 0;
        while (MoveNext())
        {
            if (Key.SequenceCompareTo(target) >= 0)
            {
                return true;
            }
        }
        return false;
    }

    private int RestartOffset(int restart)
    {
        var offset = BinaryPrimitives.ReadInt32LittleEndian(_block.Span.Slice(_entriesEnd + 4 * restart, 4));
        if (offset < 0 || offset > _entriesEnd)
        {
            throw RangeFormat.Corrupt(_id, "a restart point lies outside its block");
        }
        return offset;
    }
}
