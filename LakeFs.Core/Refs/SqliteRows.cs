using Microsoft.Data.Sqlite;

namespace LakeFs.Core.Refs;

/// <summary>
/// The rows of one query of a <see cref="SqliteSession"/>. SQLite reads pages as rows are stepped through, so a
/// damaged page surfaces here, in <see cref="Read"/>, which turns it into the library's exception
/// (<see cref="SqliteErrors"/>) naming the file.
/// </summary>
internal sealed class SqliteRows : IDisposable
{
    private readonly SqliteDataReader _reader;
    private readonly SqliteCommand? _ownedCommand;
    private readonly string _path;

    private SqliteRows(SqliteDataReader reader, SqliteCommand? ownedCommand, string path)
    {
        _reader = reader;
        _ownedCommand = ownedCommand;
        _path = path;
    }

    /// <summary>Runs <paramref name="command"/>; disposes it with the rows when <paramref name="owned"/>.</summary>
    public static SqliteRows Run(SqliteCommand command, bool owned, string path)
    {
        try
        {
            return new SqliteRows(command.ExecuteReader(), owned ? command : null, path);
        }
        catch (SqliteException e) when (SqliteErrors.Translates(e))
        {
            if (owned)
            {
                command.Dispose();
            }
            throw SqliteErrors.Translate(e, path);
        }
    }

    /// <summary>The ref store file the rows come from, for error messages.</summary>
    public string Path => _path;

    /// <summary>Moves to the next row; false after the last.</summary>
    public bool Read()
    {
        try
        {
            return _reader.Read();
        }
        catch (SqliteException e) when (SqliteErrors.Translates(e))
        {
            throw SqliteErrors.Translate(e, _path);
        }
    }

    public string GetString(int column) => _reader.GetString(column);

    public long GetInt64(int column) => _reader.GetInt64(column);

    public string? GetStringOrNull(int column) => _reader.IsDBNull(column) ? null : _reader.GetString(column);

    public bool IsNull(int column) => _reader.IsDBNull(column);

    public object GetValue(int column) => _reader.GetValue(column);

    /// <summary>The column as bytes (a BLOB column), or null for NULL.</summary>
    public byte[]? GetBytes(int column) => _reader.IsDBNull(column) ? null : (byte[])_reader.GetValue(column);

    public void Dispose()
    {
        _reader.Dispose();
        _ownedCommand?.Dispose();
    }
}
