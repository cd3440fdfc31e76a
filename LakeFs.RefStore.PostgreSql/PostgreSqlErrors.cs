using LakeFs.Core.Errors;
using LakeFs.Storage;
using Npgsql;

namespace LakeFs.RefStore.PostgreSql;

/// <summary>
/// Turns what Npgsql reports into the library's errors: a server that cannot be reached, refuses the login, lacks the
/// database or runs out of resources into <see cref="StorageException"/>; a table or column missing from the schema
/// into <see cref="CorruptDataException"/>. Every other error (a constraint, a syntax error) is a bug of this library
/// and stays as Npgsql raised it.
/// </summary>
internal static class PostgreSqlErrors
{
    public static bool Translates(NpgsqlException error) => error switch
    {
        PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal) // connection exception
            || p.SqlState.StartsWith("28", StringComparison.Ordinal) // invalid authorization
            || p.SqlState.StartsWith("53", StringComparison.Ordinal) // insufficient resources
            || p.SqlState.StartsWith("57P", StringComparison.Ordinal) // the server is shutting down
            || p.SqlState is PostgresErrorCodes.InvalidCatalogName or PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.UndefinedColumn
                or PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.ReadOnlySqlTransaction,
        _ => true, // no answer from the server: refused, reset, timed out
    };

    public static LakeFsException Translate(NpgsqlException error, string description)
    {
        if (error is PostgresException { SqlState: PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.UndefinedColumn } p)
        {
            return new CorruptDataException(
                $"{Capitalize(description)} is damaged ({p.MessageText}). Restore it from a refs dump (RestoreRefsAsync) or a backup; the object store still holds every committed tree.",
                error);
        }
        var reason = error is PostgresException q ? q.MessageText : error.Message;
        return new StorageException(
            $"Cannot use {description} ({reason.TrimEnd('.')}). Check that the server is running and reachable, and the connection string's database, user and password.",
            error);
    }

    private static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
