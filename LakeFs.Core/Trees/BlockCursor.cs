using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace LakeFs.Core.Trees;

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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Reset(ReadOnlyMemory<byte> block)
    {
        (_restartCount, _entriesEnd) = ReadTrailer(block.Span, _id);
        _block = block;
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool MoveNext()
    {
        if (_pos >= _entriesEnd)
        {
            return false;
        }
        var span = _block.Span[.._entriesEnd];
        _entryStart = _pos;
        ReadHeader(span, ref _pos, _id, out var shared, out var unshared, out var valueLength);
        if (shared > _keyLength)
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

    private int RestartOffset(int restart) => RestartOffset(_block.Span, _entriesEnd, restart, _id);

    /// <summary>
    /// Point lookup in one block without building any key: where the value of <paramref name="target"/> lies in
    /// <paramref name="block"/>, or false. The scan keeps how many leading bytes the previous key shares with the
    /// target (it is below the target, or the scan would have stopped). An entry that keeps more of the previous
    /// key than that differs from the target where the previous key did, so it is below the target too and only
    /// its lengths are read; any other entry compares its stored suffix with the target from where it starts.
    /// This holds for any valid <c>shared</c> count, not only the longest one. Checks every bound
    /// <see cref="MoveNext"/> checks.
    /// </summary>
    public static bool TryFind(ReadOnlySpan<byte> block, ReadOnlySpan<byte> target, string id, out int valueStart, out int valueLength)
    {
        var (restartCount, entriesEnd) = ReadTrailer(block, id);
        var entries = block[..entriesEnd];

        // The last restart entry (full key) below the target.
        int lo = 0, hi = restartCount - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) >>> 1;
            var pos = RestartOffset(block, entriesEnd, mid, id);
            ReadHeader(entries, ref pos, id, out var shared, out var unshared, out _);
            if (shared != 0)
            {
                throw RangeFormat.Corrupt(id, "an entry overruns its block");
            }
            if (entries.Slice(pos, unshared).SequenceCompareTo(target) >= 0)
            {
                hi = mid - 1;
            }
            else
            {
                lo = mid;
            }
        }

        var at = RestartOffset(block, entriesEnd, lo, id);
        int matched = 0, previousLength = 0;
        while (at < entriesEnd)
        {
            ReadHeader(entries, ref at, id, out var shared, out var unshared, out var length);
            if (shared > previousLength)
            {
                throw RangeFormat.Corrupt(id, "an entry overruns its block");
            }
            if (shared <= matched)
            {
                var suffix = entries.Slice(at, unshared);
                var rest = target[shared..];
                var common = suffix.CommonPrefixLength(rest);
                if (common == suffix.Length || common == rest.Length || suffix[common] > rest[common])
                {
                    // The key is the target, a prefix of it (below it) or above it.
                    if (common == suffix.Length && common == rest.Length)
                    {
                        valueStart = at + unshared;
                        valueLength = length;
                        return true;
                    }
                    if (common != suffix.Length)
                    {
                        break;
                    }
                }
                matched = shared + common;
            }
            previousLength = shared + unshared;
            at += unshared + length;
        }
        valueStart = valueLength = 0;
        return false;
    }

    /// <summary>
    /// What a block holds, from its entries' lengths alone (no key is built): for copying the block as bytes.
    /// Checks every bound <see cref="MoveNext"/> checks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static BlockShape Measure(ReadOnlySpan<byte> block, string id)
    {
        var (_, entriesEnd) = ReadTrailer(block, id);
        var entries = block[..entriesEnd];
        int count = 0, at = 0, previousLength = 0, lastEntryStart = 0, firstKeyStart = 0, firstKeyLength = 0;
        long dataBytes = 0;
        while (at < entriesEnd)
        {
            lastEntryStart = at;
            ReadHeader(entries, ref at, id, out var shared, out var unshared, out var valueLength);
            if (shared > previousLength || (count == 0 && shared != 0))
            {
                throw RangeFormat.Corrupt(id, "an entry overruns its block");
            }
            if (count == 0)
            {
                (firstKeyStart, firstKeyLength) = (at, unshared);
            }
            previousLength = shared + unshared;
            dataBytes += previousLength + valueLength;
            count++;
            at += unshared + valueLength;
        }
        if (count == 0)
        {
            throw RangeFormat.Corrupt(id, "a block holds no entries");
        }
        return new BlockShape(count, dataBytes, entriesEnd, entriesEnd - lastEntryStart, firstKeyStart, firstKeyLength);
    }

    private static (int RestartCount, int EntriesEnd) ReadTrailer(ReadOnlySpan<byte> block, string id)
    {
        if (block.Length < 4)
        {
            throw RangeFormat.Corrupt(id, "a block is too short");
        }
        var restartCount = BinaryPrimitives.ReadInt32LittleEndian(block[^4..]);
        if (restartCount < 1 || restartCount > (block.Length - 4) / 4)
        {
            throw RangeFormat.Corrupt(id, "a block's restart count is out of range");
        }
        return (restartCount, block.Length - 4 * (restartCount + 1));
    }

    /// <summary>Reads an entry's three lengths and checks that its key suffix and value lie inside the entries.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ReadHeader(ReadOnlySpan<byte> entries, ref int pos, string id, out int shared, out int unshared, out int valueLength)
    {
        shared = RangeFormat.ReadVarInt(entries, ref pos, id);
        unshared = RangeFormat.ReadVarInt(entries, ref pos, id);
        valueLength = RangeFormat.ReadVarInt(entries, ref pos, id);
        if ((long)pos + unshared + valueLength > entries.Length)
        {
            throw RangeFormat.Corrupt(id, "an entry overruns its block");
        }
    }

    private static int RestartOffset(ReadOnlySpan<byte> block, int entriesEnd, int restart, string id)
    {
        var offset = BinaryPrimitives.ReadInt32LittleEndian(block.Slice(entriesEnd + 4 * restart, 4));
        if (offset < 0 || offset > entriesEnd)
        {
            throw RangeFormat.Corrupt(id, "a restart point lies outside its block");
        }
        return offset;
    }
}

/// <summary>
/// A block's entry count, key and value bytes, the bytes its entries take (before the restart array), the size of
/// its last entry, and where its first (full) key lies in the block.
/// </summary>
internal readonly record struct BlockShape(int Count, long DataBytes, int EntriesBytes, int LastEntryBytes, int FirstKeyStart, int FirstKeyLength);
