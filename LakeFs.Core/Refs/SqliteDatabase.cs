using System.Collections.Concurrent;
using LakeFs.Core.Model;
using Microsoft.Data.Sqlite;

namespace LakeFs.Core.Refs;

/// <summary>
/// The ref database file: a small pool of configured connections, each with its prepared commands cached.
/// WAL journal; synchronous=NORMAL (survives a killed process) or FULL (survives power loss). Write transactions
/// of this process pass one at a time through <see cref="WriteGate"/> (SQLite admits one writer at a time anyway,
/// and a writer waiting here is woken as soon as the gate is free, where one waiting on SQLite's lock sleeps for
/// 1 ms and longer); the log is checkpointed by <see cref="WalCheckpointer"/>, never inside a commit.
/// </summary>
internal sealed class SqliteDatabase : IDisposable
{
    private readonly string _connectionString;
    private readonly Durability _durability;
    private readonly ConcurrentBag<SqliteSession> _idle = [];
    private readonly WalCheckpointer _checkpointer;
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
        _checkpointer = new WalCheckpointer(Connect, WriteGate);
    }

    /// <summary>Held by every write transaction of this process, and by the checkpointer's last step.</summary>
    public Lock WriteGate { get; } = new();

    public WalCheckpointer Checkpointer => _checkpointer;

    public SqliteSession Open()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _idle.TryTake(out var session) ? session : new SqliteSession(this, Connect());
    }

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText =
            "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=60000; PRAGMA foreign_keys=OFF; PRAGMA wal_autocheckpoint=0; " +
            (_durability == Durability.PowerLoss ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;");
        pragma.ExecuteNonQuery();
        return connection;
    }

    internal void Return(SqliteSession session)
    {
        if (_disposed || session.InTransaction)
        {
            session.Close();
            return;
        }
        session.TrimCache();
        _idle.Add(session);
    }

    public void Dispose()
    {
        _disposed = true;
        _checkpointer.Dispose();
        while (_idle.TryTake(out var session))
        {
            session.Close();
        }
    }
}
