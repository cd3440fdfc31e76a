using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace LakeFs.Core.Refs;

/// <summary>One pooled connection. Dispose returns it to the pool. Transactions are explicit BEGIN/COMMIT.</summary>
internal sealed class SqliteSession(SqliteDatabase database, SqliteConnection connection) : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PreparedStatement> _statements = new(StringComparer.Ordinal);

    public bool InTransaction { get; private set; }

    /// <summary>The ref store file, for error messages.</summary>
    public string Path => database.Path;

    /// <summary>
    /// Runs a query prepared once per connection and reused across calls (parameters <c>$1</c>, <c>$2</c>, … bound by
    /// position); dispose the rows before the next call with the same <paramref name="sql"/>.
    /// </summary>
    public SqliteRows Query(string sql, params ReadOnlySpan<object?> args) => SqliteRows.Run(Command(sql, args), owned: false, Path);

    /// <summary>Runs a query on a command of its own (not cached), for rows read while other statements run.</summary>
    public SqliteRows OpenQuery(string sql, params ReadOnlySpan<object?> args) => SqliteRows.Run(NewCommand(sql, args), owned: true, Path);

    private SqliteCommand Command(string sql, ReadOnlySpan<object?> args)
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

    private SqliteCommand NewCommand(string sql, ReadOnlySpan<object?> args)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        for (var i = 0; i < args.Length; i++)
        {
            command.Parameters.Add(new SqliteParameter("$" + (i + 1), args[i] ?? DBNull.Value));
        }
        return command;
    }

    /// <summary>
    /// Runs one statement that returns no rows, prepared once per connection (<see cref="PreparedStatement"/>), and
    /// returns the rows it changed.
    /// </summary>
    public int Execute(string sql, params ReadOnlySpan<object?> args)
    {
        try
        {
            if (!_statements.TryGetValue(sql, out var statement))
            {
                statement = PreparedStatement.Prepare(connection.Handle!, sql, args.Length);
                _statements[sql] = statement;
            }
            return statement.Execute(args);
        }
        catch (SqliteException e) when (SqliteErrors.Translates(e))
        {
            throw SqliteErrors.Translate(e, Path);
        }
    }

    /// <summary>Runs statements separated by semicolons, once (not cached), with no parameters.</summary>
    public void ExecuteScript(string sql)
    {
        using var command = NewCommand(sql, []);
        try
        {
            command.ExecuteNonQuery();
        }
        catch (SqliteException e) when (SqliteErrors.Translates(e))
        {
            throw SqliteErrors.Translate(e, Path);
        }
    }

    /// <summary>The first column of the first row, or null when there is no row or it holds NULL.</summary>
    public object? Scalar(string sql, params ReadOnlySpan<object?> args)
    {
        using var rows = Query(sql, args);
        return rows.Read() && !rows.IsNull(0) ? rows.GetValue(0) : null;
    }

    /// <summary>BEGIN IMMEDIATE for writers (takes the write lock up front), BEGIN for a read snapshot.</summary>
    public void Begin(bool write)
    {
        Execute(write ? "BEGIN IMMEDIATE" : "BEGIN");
        InTransaction = true;
    }

    public void Commit()
    {
        Execute("COMMIT");
        InTransaction = false;
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
                database.Changes?.Increment();
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

    /// <summary>
    /// Frees the page cache of a connection that holds more than <see cref="TrimAboveBytes"/> (<c>PRAGMA shrink_memory</c>).
    /// SQLite empties a connection's cache anyway at its next transaction once another connection has written, and
    /// that costs time in proportion to the pages held: a branch read right after a 100,000-object commit took
    /// 0.35–0.57 ms on the connection that had scanned the commit's staged rows, against 0.025 ms warm. Trimming when
    /// the connection goes back to the pool moves that cost to the end of the large operation that filled the cache.
    /// </summary>
    internal void TrimCache()
    {
        if (CacheBytes > TrimAboveBytes)
        {
            Execute("PRAGMA shrink_memory");
        }
    }

    /// <summary>Bytes of page cache this connection holds (SQLITE_DBSTATUS_CACHE_USED).</summary>
    internal int CacheBytes
    {
        get
        {
            raw.sqlite3_db_status(connection.Handle, raw.SQLITE_DBSTATUS_CACHE_USED, out var used, out _, 0);
            return used;
        }
    }

    /// <summary>Cache size above which a returned connection is trimmed: a few dozen pages serve the small reads and writes.</summary>
    internal const int TrimAboveBytes = 256 * 1024;

    internal void Close()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }
        foreach (var statement in _statements.Values)
        {
            statement.Dispose();
        }
        connection.Dispose();
    }

    public void Dispose()
    {
        Rollback();
        database.Return(this);
    }
}
