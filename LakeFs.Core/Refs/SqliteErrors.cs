using LakeFs.Core.Errors;
using LakeFs.Storage;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace LakeFs.Core.Refs;

/// <summary>
/// Turns an error SQLite reports about the ref store file into the library's own: a damaged file
/// (<c>SQLITE_CORRUPT</c>, <c>SQLITE_NOTADB</c>) into <see cref="CorruptDataException"/>, a file that cannot be opened,
/// read or written (a missing folder, no permission, a full disk) into <see cref="StorageException"/>. Every other
/// error (a constraint, a busy timeout) is a bug or a limit of this library and stays as SQLite raised it.
/// </summary>
internal static class SqliteErrors
{
    /// <summary>The library's exception for <paramref name="error"/>, or <paramref name="error"/> itself.</summary>
    public static Exception Translate(SqliteException error, string path) => (error.SqliteErrorCode & 0xFF) switch
    {
        raw.SQLITE_CORRUPT or raw.SQLITE_NOTADB => new CorruptDataException(
            $"The ref store '{path}' is damaged ({error.Message.TrimEnd('.')}). Restore it from a backup; the object store still holds every committed tree.",
            error),
        raw.SQLITE_CANTOPEN or raw.SQLITE_IOERR or raw.SQLITE_FULL or raw.SQLITE_READONLY or raw.SQLITE_PERM => new StorageException(
            $"Cannot use the ref store '{path}' ({error.Message.TrimEnd('.')}). Check that its folder exists, is writable and has free space.",
            error),
        _ => error,
    };

    /// <summary>Whether <see cref="Translate"/> turns <paramref name="error"/> into one of the library's exceptions.</summary>
    public static bool Translates(SqliteException error) => (error.SqliteErrorCode & 0xFF) is
        raw.SQLITE_CORRUPT or raw.SQLITE_NOTADB or raw.SQLITE_CANTOPEN or raw.SQLITE_IOERR or raw.SQLITE_FULL or raw.SQLITE_READONLY or raw.SQLITE_PERM;
}
