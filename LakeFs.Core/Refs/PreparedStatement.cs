using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace LakeFs.Core.Refs;

/// <summary>
/// One SQL statement that returns no rows, prepared once on a connection's raw SQLite handle and run with
/// parameters <c>$1</c>, <c>$2</c>, … bound by position. Microsoft.Data.Sqlite spends about 1.5 µs per command
/// around SQLite's own work (a data reader, the statement iterator, binding by name), and every put runs three
/// such statements: begin, insert, commit.
/// </summary>
internal sealed class PreparedStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private readonly int[] _slots;

    private PreparedStatement(sqlite3 db, sqlite3_stmt statement, int[] slots)
    {
        _db = db;
        _statement = statement;
        _slots = slots;
    }

    /// <summary>Prepares <paramref name="sql"/>, a single statement with parameters <c>$1</c> … <c>$<paramref name="parameters"/></c>.</summary>
    public static PreparedStatement Prepare(sqlite3 db, string sql, int parameters)
    {
        SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(db, sql, out sqlite3_stmt statement, out string tail), db);
        if (!string.IsNullOrWhiteSpace(tail))
        {
            statement.Dispose();
            throw new ArgumentException("A prepared statement holds one SQL statement.", nameof(sql));
        }
        // SQLite numbers parameters in order of first appearance, so "$2, $3 … $1" binds $1 third.
        var slots = new int[parameters];
        for (var i = 0; i < parameters; i++)
        {
            slots[i] = raw.sqlite3_bind_parameter_index(statement, "$" + (i + 1));
        }
        return new PreparedStatement(db, statement, slots);
    }

    /// <summary>Runs the statement with <paramref name="args"/> (text, blob, integer or null) and returns the rows it changed.</summary>
    public int Execute(ReadOnlySpan<object?> args)
    {
        if (args.Length != _slots.Length)
        {
            throw new ArgumentException($"The statement takes {_slots.Length} parameters, not {args.Length}.", nameof(args));
        }
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                Bind(_slots[i], args[i]);
            }
            int rc;
            while ((rc = raw.sqlite3_step(_statement)) == raw.SQLITE_ROW)
            {
            }
            if (rc != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(rc, _db);
            }
            return raw.sqlite3_changes(_db);
        }
        finally
        {
            raw.sqlite3_reset(_statement);
            raw.sqlite3_clear_bindings(_statement);
        }
    }

    private void Bind(int slot, object? value)
    {
        var rc = value switch
        {
            null or DBNull => raw.sqlite3_bind_null(_statement, slot),
            string text => raw.sqlite3_bind_text(_statement, slot, text),
            // An empty array is an empty blob, never NULL (which compares as unknown).
            byte[] { Length: 0 } => raw.sqlite3_bind_zeroblob(_statement, slot, 0),
            byte[] blob => raw.sqlite3_bind_blob(_statement, slot, blob),
            long number => raw.sqlite3_bind_int64(_statement, slot, number),
            int number => raw.sqlite3_bind_int64(_statement, slot, number),
            _ => throw new ArgumentException($"Cannot bind a {value.GetType().Name} to an SQL parameter.", nameof(value)),
        };
        SqliteException.ThrowExceptionForRC(rc, _db);
    }

    public void Dispose() => _statement.Dispose();
}
