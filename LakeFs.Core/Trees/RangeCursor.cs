namespace LakeFs.Core.Trees;

/// <summary>A forward cursor over a range file's entries. Not thread-safe; many cursors may share a reader.</summary>
internal sealed class RangeCursor(RangeReader reader)
{
    private int _block = -1;
    private BlockCursor? _cursor;
    private BlockCursor? _spare;

    private RangeReader Reader => reader;

    public ReadOnlySpan<byte> Key => Positioned.Key;

    public ReadOnlyMemory<byte> Value => Positioned.Value;

    /// <summary>Whether the cursor is on the first entry of a data block.</summary>
    public bool AtBlockStart => _cursor is { AtFirstEntry: true };

    /// <summary>The payload of the data block the cursor is in (its entries and restart points).</summary>
    public ReadOnlySpan<byte> Block => reader.Block(_block).Span;

    private BlockCursor Positioned => _cursor ?? throw new InvalidOperationException("The cursor is not on an entry: call MoveNext or SeekGE first, and check its result.");

    public bool MoveNext()
    {
        while (true)
        {
            if (_cursor is not null && _cursor.MoveNext())
            {
                return true;
            }
            if (_block + 1 >= reader.BlockCount)
            {
                _block = reader.BlockCount;
                _cursor = null;
                return false;
            }
            _block++;
            _cursor = Open(_block);
        }
    }

    /// <summary>Moves onto the first entry of data block <paramref name="block"/>; with <see cref="MoveNextInBlock"/>, walks one block.</summary>
    public void MoveToBlock(int block)
    {
        _block = block;
        _cursor = Open(block);
        if (!_cursor.MoveNext())
        {
            throw RangeFormat.Corrupt(reader.Id, $"data block {block} holds no entries");
        }
    }

    /// <summary>Moves to the next entry of the current block only; false at the block's end.</summary>
    public bool MoveNextInBlock() => Positioned.MoveNext();

    /// <summary>
    /// With this cursor and <paramref name="other"/> each on the first entry of a block and the two blocks' payloads
    /// equal: moves both past those blocks and past every following pair of blocks whose stored bytes (payload and
    /// checksum) are equal too, onto the first entry of the next block on each side (<paramref name="mine"/> and
    /// <paramref name="theirs"/> false at a range's end). The following pairs are compared as stored and neither
    /// decoded nor verified: equal bytes hold equal entries, valid or not, so a diff has nothing to report there.
    /// Returns the pairs passed.
    /// </summary>
    public int SkipEqualBlocks(RangeCursor other, out bool mine, out bool theirs)
    {
        var passed = 1;
        while (_block + passed < reader.BlockCount && other._block + passed < other.Reader.BlockCount
            && reader.StoredBlock(_block + passed).SequenceEqual(other.Reader.StoredBlock(other._block + passed)))
        {
            passed++;
        }
        _block += passed - 1;
        other._block += passed - 1;
        _cursor = null;
        other._cursor = null;
        mine = MoveNext();
        theirs = other.MoveNext();
        return passed;
    }

    public bool SeekGE(ReadOnlySpan<byte> key)
    {
        _block = reader.FindBlock(key);
        if (_block >= reader.BlockCount)
        {
            _cursor = null;
            return false;
        }
        _cursor = Open(_block);
        return _cursor.SeekGE(key) || MoveNext();
    }

    /// <summary>A cursor on <paramref name="block"/>: one block cursor is reused for every block the range cursor enters.</summary>
    private BlockCursor Open(int block)
    {
        var data = reader.Block(block);
        if (_spare is null)
        {
            _spare = new BlockCursor(reader.Id, data);
        }
        else
        {
            _spare.Reset(data);
        }
        return _spare;
    }
}
