using LakeFs.Core.Trees;

namespace LakeFs.Core.Refs;

/// <summary>Staged rows of one token from a start path, in path (byte) order; a NULL entry is a tombstone.</summary>
internal sealed class StagingCursor : EntryCursor
{
    private readonly SqliteRows _rows;
    private byte[] _key = [];
    private byte[]? _value;

    public StagingCursor(SqliteSession session, long token, byte[] start)
    {
        _rows = session.OpenQuery("SELECT path, entry FROM staged WHERE token = $1 AND path >= $2 ORDER BY path", token, start);
    }

    public override ReadOnlyMemory<byte> Key => _key;

    public override ReadOnlyMemory<byte> Value => _value;

    public override bool IsTombstone => _value is null;

    public override ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!_rows.Read())
        {
            return ValueTask.FromResult(false);
        }
        _key = _rows.GetBytes(0) ?? [];
        _value = _rows.GetBytes(1);
        return ValueTask.FromResult(true);
    }

    public override ValueTask DisposeAsync()
    {
        _rows.Dispose();
        return ValueTask.CompletedTask;
    }
}
