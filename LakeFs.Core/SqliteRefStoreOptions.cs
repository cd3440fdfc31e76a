using LakeFs.Core.Model;
using LakeFs.Core.Refs;

namespace LakeFs.Core;

/// <summary>
/// Refs in one SQLite file on the local machine (the default; what <see cref="Repository.LocalOptions"/> uses). Any
/// number of processes of that machine can share it; for many machines use a networked ref store.
/// </summary>
public sealed record SqliteRefStoreOptions : RefStoreOptions
{
    /// <summary>Refs in the SQLite file at <paramref name="path"/> (created with the repository, with its folder if needed).</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    public SqliteRefStoreOptions(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
    }

    /// <summary>The SQLite file. SQLite keeps <c>-wal</c> and <c>-shm</c> files beside it, and LakeFs a <c>-changes</c> file.</summary>
    public string Path { get; }

    internal override string Description => $"the ref store '{Path}'";

    internal override ValueTask<string?> ReadRepositoryIdAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(SqliteRefStore.ReadRepositoryId(Path));
    }

    internal override async ValueTask<IRefStore> CreateAsync(
        string repositoryId, string defaultBranch, Commit initial, Durability durability, int commitCacheSize, CancellationToken cancellationToken)
    {
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
        var createdFolder = folder is not null && !Directory.Exists(folder) ? folder : null;
        var existed = File.Exists(Path);
        if (createdFolder is not null)
        {
            Directory.CreateDirectory(createdFolder);
        }
        var store = new SqliteRefStore(Path, durability, commitCacheSize);
        try
        {
            await store.InitializeAsync(repositoryId, defaultBranch, initial, cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch
        {
            store.Dispose();
            // The tables are created in the same transaction as the repository's rows, so a failed one adds none to
            // a file that was there before; a file this call made goes.
            string[] suffixes = existed ? ["-changes"] : ["", "-wal", "-shm", "-journal", "-changes"];
            foreach (var suffix in suffixes)
            {
                try
                {
                    File.Delete(Path + suffix);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Left behind; a later create over it works all the same (the file holds no repository).
                }
            }
            if (createdFolder is not null)
            {
                Repository.DeleteEmptyFolders(createdFolder);
            }
            throw;
        }
    }

    internal override ValueTask DeleteAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var suffix in (string[])["", "-wal", "-shm", "-journal", "-changes"])
        {
            File.Delete(Path + suffix);
        }
        return ValueTask.CompletedTask;
    }

    internal override IRefStore Open(Durability durability, int commitCacheSize)
    {
        var store = new SqliteRefStore(Path, durability, commitCacheSize);
        try
        {
            store.EnsureAddedTables();
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }
}
