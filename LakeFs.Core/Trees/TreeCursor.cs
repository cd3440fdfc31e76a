namespace LakeFs.Core.Trees;

/// <summary>Iterates a committed tree (metarange) from a start key, loading one range at a time.</summary>
internal sealed class TreeCursor(TreeStore trees, MetaRange metaRange, byte[] start) : EntryCursor
{
    private int _rangeIndex = -1;
    private RangeCursor? _cursor;
    private byte[] _key = new byte[256];
    private int _keyLength;
    private ReadOnlyMemory<byte> _value;

    public override ReadOnlyMemory<byte> Key => _key.AsMemory(0, _keyLength);

    public override ReadOnlyMemory<byte> Value => _value;

    public override bool IsTombstone => false;

    public override async ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_cursor is not null && _cursor.MoveNext())
            {
                Capture(_cursor);
                return true;
            }
            _rangeIndex = _rangeIndex < 0 ? metaRange.FindRange(start) : _rangeIndex + 1;
            if (_rangeIndex >= metaRange.Ranges.Count)
            {
                _cursor = null;
                return false;
            }
            var reader = await trees.GetRangeAsync(metaRange.Ranges[_rangeIndex].Id, cancellationToken).ConfigureAwait(false);
            _cursor = reader.CreateCursor();
            if (_cursor.SeekGE(start))
            {
                Capture(_cursor);
                return true;
            }
        }
    }

    private void Capture(RangeCursor cursor)
    {
        var key = cursor.Key;
        if (key.Length > _key.Length)
        {
            _key = new byte[Math.Max(key.Length, _key.Length * 2)];
        }
        key.CopyTo(_key);
        _keyLength = key.Length;
        _value = cursor.Value;
    }
}
