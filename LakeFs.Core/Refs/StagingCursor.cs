using LakeFs.Core.Graveler;
using Microsoft.Data.Sqlite;

namespace LakeFs.Core.Refs;

/// <summary>Staged rows of one token from a start path, in path (byte) order; a NULL entry is a tombstone.</summary>
internal sealed class StagingCursor : EntryCursor
{
    private readonly SqliteCommand _command;
    private readonly SqliteDataReader _reader;
    private byte[] _key = [];
    private byte[]? _value;

    public StagingCursor(SqliteSession session, long token, byte[] start)
    {
        _command = session.NewCommand("SELECT path, entry FROM staged WHERE token = $1 AND path >= $2 ORDER BY path", token, start);
        _reader = _command.ExecuteReader();
    }

    public override ReadOnlyMemory<byte> Key => _key;

    public override ReadOnlyMemory<byte> Value => _value;

    public override bool IsTombstone => _value is null;

    public override ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!_reader.Read())
        {
            return ValueTask.FromResult(false);
        }
        _key = (byte[])_reader.GetValue(0);
        _value = _reader.IsDBNull(1) ? null : (byte[])_reader.GetValue(1);
        return ValueTask.FromResult(true);
    }

    public override ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _command.Dispose();
        return ValueTask.CompletedTask;
    }
}
