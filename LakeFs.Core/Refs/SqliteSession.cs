using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace LakeFs.Core.Refs;

/// <summary>One pooled connection. Dispose returns it to the pool. Transactions are explicit BEGIN/COMMIT.</summary>
internal sealed class SqliteSession(SqliteDatabase database, SqliteConnection connection) : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private sqlite3_stmt? _beginWrite;
    private sqlite3_stmt? _beginRead;
    private sqlite3_stmt? _commit;

    public bool InTransaction { get; private set; }

    /// <summary>A prepared command for <paramref name="sql"/>, reused across calls; parameters are bound by position name.</summary>
    public SqliteCommand Command(string sql, params ReadOnlySpan<object?> args)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            for (var i = 0; i < args.Length; i++)
            {
                command.Parameters.Add(new SqliteParameter("$" + (i + 1), null));
            }
            _commands[sql] = command;
        }
        for (var i = 0; i < args.Length; i++)
        {
            command.Parameters[i].Value = args[i] ?? DBNull.Value;
        }
        return command;
    }

    /// <summary>A command of its own (not cached), for readers that stay open while other commands run.</summary>
    public SqliteCommand NewCommand(string sql, params ReadOnlySpan<object?> args)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        for (var i = 0; i < args.Length; i++)
        {
            command.Parameters.Add(new SqliteParameter("$" + (i + 1), args[i] ?? DBNull.Value));
        }
        return command;
    }

    public int Execute(string sql, params ReadOnlySpan<object?> args) => Command(sql, args).ExecuteNonQuery();

    public object? Scalar(string sql, params ReadOnlySpan<object?> args)
    {
        var value = Command(sql, args).ExecuteScalar();
        return value is DBNull ? null : value;
    }

    /// <summary>BEGIN IMMEDIATE for writers (takes the write lock up front), BEGIN for a read snapshot.</summary>
    public void Begin(bool write)
    {
        if (write)
        {
            Step(ref _beginWrite, "BEGIN IMMEDIATE");
        }
        else
        {
            Step(ref _beginRead, "BEGIN");
        }
        InTransaction = true;
    }

    public void Commit()
    {
        Step(ref _commit, "COMMIT");
        InTransaction = false;
    }

    /// <summary>
    /// Runs a statement without parameters or rows on a handle kept for the connection's life. Every transaction
    /// runs two of these, and Microsoft.Data.Sqlite spends about 1.5 µs per command around SQLite's own work
    /// (a data reader, the statement iterator, the busy loop) where a prepared handle needs none of it.
    /// </summary>
    private void Step(ref sqlite3_stmt? statement, string sql)
    {
        var db = connection.Handle!;
        if (statement is null)
        {
            SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(db, sql, out statement), db);
        }
        var rc = raw.sqlite3_step(statement);
        raw.sqlite3_reset(statement);
        if (rc != raw.SQLITE_DONE)
        {
            SqliteException.ThrowExceptionForRC(rc, db);
        }
    }

    public void Rollback()
    {
        if (InTransaction)
        {
            InTransaction = false;
            try
            {
                Execute("ROLLBACK");
            }
            catch (SqliteException)
            {
                // SQLite already rolled back (an error inside the transaction ends it).
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a write transaction, committing on success and rolling back on failure, holding the
    /// database's write gate throughout.
    /// </summary>
    public T Write<T>(Func<SqliteSession, T> work)
    {
        T result;
        lock (database.WriteGate)
        {
            Begin(write: true);
            try
            {
                result = work(this);
                Commit();
            }
            catch
            {
                Rollback();
                throw;
            }
        }
        database.Checkpointer.Committed(TakeFramesWritten());
        return result;
    }

    /// <summary>Pages this connection wrote to the log since the last call (SQLITE_DBSTATUS_CACHE_WRITE, reset as read).</summary>
    private int TakeFramesWritten()
    {
        raw.sqlite3_db_status(connection.Handle, raw.SQLITE_DBSTATUS_CACHE_WRITE, out var written, out _, 1);
        return written;
    }

    internal void Close()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }
        _beginWrite?.Dispose();
        _beginRead?.Dispose();
        _commit?.Dispose();
        connection.Dispose();
    }

    public void Dispose()
    {
        Rollback();
        database.Return(this);
    }
}
