using LakeFs.Core.Model;
using LakeFs.Core.Refs;

namespace LakeFs.Core;

/// <summary>
/// Where a repository keeps branches, tags, commits and uncommitted changes: set <see cref="RepositoryOptions.RefStore"/>
/// to one of the derived types, for example <see cref="SqliteRefStoreOptions"/>.
/// </summary>
public abstract record RefStoreOptions
{
    private protected RefStoreOptions()
    {
    }

    /// <summary>Names the store in messages.</summary>
    internal abstract string Description { get; }

    /// <summary>The id of the repository the store holds, or null when it holds none. Writes nothing.</summary>
    internal abstract ValueTask<string?> ReadRepositoryIdAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Creates the store and records the repository in it. On failure, removes what it created (nothing is left that
    /// would make a later create fail) and throws.
    /// </summary>
    internal abstract ValueTask<IRefStore> CreateAsync(
        string repositoryId, string defaultBranch, Commit initial, Durability durability, int commitCacheSize, CancellationToken cancellationToken);

    /// <summary>
    /// Removes the repository a failed restore left part-written (SQLite: the file; PostgreSQL: the schema), so the
    /// store is empty again. Only for a store that held no repository before the restore.
    /// </summary>
    internal abstract ValueTask DeleteAsync(CancellationToken cancellationToken);

    /// <summary>Connects to a store that <see cref="ReadRepositoryIdAsync"/> found a repository in.</summary>
    internal abstract IRefStore Open(Durability durability, int commitCacheSize);
}
