namespace LakeFs.Core.Trees;

/// <summary>
/// Merges cursors given newest first: for a key present in several, the newest one's value wins and the
/// others are skipped. Tombstones pass through; the caller decides what they hide.
/// </summary>
internal sealed class OverlayCursor(IReadOnlyList<EntryCursor> cursors) : EntryCursor
{
    private readonly bool[] _live = new bool[cursors.Count];
    private bool _started;
    private int _current = -1;
    private byte[] _key = [];

    public override ReadOnlyMemory<byte> Key => _key;

    public override ReadOnlyMemory<byte> Value => cursors[_current].Value;

    public override bool IsTombstone => cursors[_current].IsTombstone;

    public override async ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken)
    {
        if (!_started)
        {
            _started = true;
            for (var i = 0; i < cursors.Count; i++)
            {
                _live[i] = await cursors[i].MoveNextAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            // Advance every cursor that stood on the key just returned.
            for (var i = 0; i < cursors.Count; i++)
            {
                if (_live[i] && cursors[i].Key.Span.SequenceEqual(_key))
                {
                    _live[i] = await cursors[i].MoveNextAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        _current = -1;
        for (var i = 0; i < cursors.Count; i++)
        {
            if (_live[i] && (_current < 0 || cursors[i].Key.Span.SequenceCompareTo(cursors[_current].Key.Span) < 0))
            {
                _current = i;
            }
        }
        if (_current < 0)
        {
            return false;
        }
        _key = cursors[_current].Key.ToArray();
        return true;
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (var cursor in cursors)
        {
            await cursor.DisposeAsync().ConfigureAwait(false);
        }
    }
}
