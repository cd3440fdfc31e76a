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
    private readonly string _path;
    private readonly Durability _durability;
    private readonly ConcurrentBag<SqliteSession> _idle = [];
    private readonly WalCheckpointer _checkpointer;
    private bool _disposed;

    public SqliteDatabase(string path, Durability durability, WalLimits? limits = null)
    {
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 60,
        }.ToString();
        _durability = durability;
        _path = path;
        _checkpointer = new WalCheckpointer(Connect, WriteGate, path, limits ?? WalLimits.Default);
        Changes = ChangeCounter.Open(ChangeCounter.PathFor(path));
    }

    /// <summary>Counts committed write transactions across processes (null when its file cannot be mapped).</summary>
    public ChangeCounter? Changes { get; }

    /// <summary>Held by every write transaction of this process, and by the checkpointer's last step.</summary>
    public Lock WriteGate { get; } = new();

    public WalCheckpointer Checkpointer => _checkpointer;

    /// <summary>The database file.</summary>
    public string Path => _path;

    public SqliteSession Open()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _idle.TryTake(out var session) ? session : new SqliteSession(this, Connect());
    }

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            using var pragma = connection.CreateCommand();
            pragma.CommandText =
                "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=60000; PRAGMA foreign_keys=OFF; PRAGMA wal_autocheckpoint=0; " +
                (_durability == Durability.PowerLoss ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;");
            pragma.ExecuteNonQuery();
            return connection;
        }
        catch (SqliteException e) when (SqliteErrors.Translates(e))
        {
            connection.Dispose();
            throw SqliteErrors.Translate(e, _path);
        }
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
        Changes?.Dispose();
        while (_idle.TryTake(out var session))
        {
            session.Close();
        }
    }
}
