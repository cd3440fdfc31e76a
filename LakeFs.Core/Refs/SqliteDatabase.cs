using System.Collections.Concurrent;
using LakeFs.Core.Model;
using Microsoft.Data.Sqlite;

namespace LakeFs.Core.Refs;

/// <summary>
/// The ref database file: a small pool of configured connections, each with its prepared commands cached.
/// WAL journal; synchronous=NORMAL (survives a killed process) or FULL (survives power loss).
/// </summary>
internal sealed class SqliteDatabase : IDisposable
{
    private readonly string _connectionString;
    private readonly Durability _durability;
    private readonly ConcurrentBag<SqliteSession> _idle = [];
    private bool _disposed;

    public SqliteDatabase(string path, Durability durability)
    {
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 60,
        }.ToString();
        _durability = durability;
    }

    public SqliteSession Open()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_idle.TryTake(out var session))
        {
            return session;
        }
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText =
                "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=60000; PRAGMA foreign_keys=OFF; " +
                (_durability == Durability.PowerLoss ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;");
            pragma.ExecuteNonQuery();
        }
        return new SqliteSession(this, connection);
    }

    internal void Return(SqliteSession session)
    {
        if (_disposed || session.InTransaction)
        {
            session.Close();
            return;
        }
        _idle.Add(session);
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var session))
        {
            session.Close();
        }
    }
}
