namespace LakeFs.Core.Graveler;

/// <summary>A forward cursor over a range file's entries. Not thread-safe; many cursors may share a reader.</summary>
internal sealed class RangeCursor(RangeReader reader)
{
    private int _block = -1;
    private BlockCursor? _cursor;

    public ReadOnlySpan<byte> Key => Positioned.Key;

    public ReadOnlyMemory<byte> Value => Positioned.Value;

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
            _cursor = new BlockCursor(reader.Id, reader.Block(_block));
        }
    }

    public bool SeekGE(ReadOnlySpan<byte> key)
    {
        _block = reader.FindBlock(key);
        if (_block >= reader.BlockCount)
        {
            _cursor = null;
            return false;
        }
        _cursor = new BlockCursor(reader.Id, reader.Block(_block));
        return _cursor.SeekGE(key) || MoveNext();
    }
}
