using LakeFs.Core.Trees;
using LakeFs.Core.Model;
using LakeFs.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LakeFs.Core;

/// <summary>Where a repository lives and how it behaves. Used by <see cref="Repository.CreateAsync(RepositoryOptions, CancellationToken)"/> and <see cref="Repository.OpenAsync(RepositoryOptions, CancellationToken)"/>.</summary>
public sealed record RepositoryOptions
{
    /// <summary>The storage namespace: object bytes, ranges and metaranges live here.</summary>
    public required IObjectStore ObjectStore { get; init; }

    /// <summary>
    /// Where branches, tags, commits and uncommitted changes live, for example
    /// <c>new SqliteRefStoreOptions("/var/lib/lake/refs.db")</c> (<see cref="SqliteRefStoreOptions"/>).
    /// </summary>
    public required RefStoreOptions RefStore { get; init; }

    /// <summary>Name of the default branch created with the repository (default "main"). Ignored when opening.</summary>
    public string DefaultBranch { get; init; } = "main";

    /// <summary>What an acknowledged write survives (default <see cref="Durability.ProcessCrash"/>).</summary>
    public Durability Durability { get; init; } = Durability.ProcessCrash;

    /// <summary>Committer recorded when <see cref="CommitOptions.Committer"/> is not given.</summary>
    public string Committer { get; init; } = "lakefs";

    /// <summary>
    /// One logger for every component (default: none). Prefer <see cref="LoggerFactory"/>, which gives each component
    /// its own category; when both are set the factory wins.
    /// </summary>
    public ILogger? Logger { get; init; }

    /// <summary>
    /// Creates the loggers of the repository's components (default: none), one category each:
    /// <c>LakeFs.Core.Repository</c> (operations, hooks), <c>LakeFs.Core.Gc.GarbageCollector</c>,
    /// <c>LakeFs.Core.Objects.StorageProbe</c> (the storage check at create and open) and
    /// <c>LakeFs.Storage.CachingObjectStore</c> (the <see cref="FileCache"/>). A <see cref="RetryingObjectStore"/> takes
    /// its own through <see cref="ObjectStoreRetryOptions.LoggerFactory"/>.
    /// </summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Clock for commit and object times (default: the system clock).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Bytes of range and metarange files kept in memory (default 256 MiB) for point reads and listings. Commits,
    /// diffs and merges pass over ranges once: they read them through a reusable buffer and do not fill the cache.
    /// </summary>
    public long CacheSizeBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>
    /// A local-disk cache of the range and metarange files (default: none), for an object store that is slow to read
    /// such as a cloud bucket. The repository wraps <see cref="ObjectStore"/> in a <see cref="CachingObjectStore"/>
    /// that keeps only those files (they never change, so nothing is ever invalidated); object bytes are not cached.
    /// </summary>
    public FileCacheOptions? FileCache { get; init; }

    /// <summary>Commits the ref store keeps in memory (default 100,000). Commits are immutable, so this only saves lookups.</summary>
    public int CommitCacheSize { get; init; } = 100_000;

    /// <summary>
    /// Verify whole-object reads (default on): <see cref="Repository.OpenReadAsync(string, string, ByteRange?, CancellationToken)"/> without a range compares the
    /// size and SHA-256 of what it streamed with those recorded at put when the reader reaches the end, and throws
    /// <see cref="Errors.CorruptDataException"/> on a mismatch. Costs one SHA-256 pass over the bytes read.
    /// </summary>
    public bool VerifyContentChecksums { get; init; } = true;

    /// <summary>
    /// Object stores <see cref="Repository.ImportAsync"/> may import from without copying, by name (letters, digits,
    /// '-', '_', '.'). Imported entries record the name, so reads of them need the same name registered for the same
    /// store whenever the repository is opened. Garbage collection never deletes from these stores.
    /// </summary>
    public IReadOnlyDictionary<string, IObjectStore> ImportSources { get; init; } = new Dictionary<string, IObjectStore>(StringComparer.Ordinal);

    internal TreeOptions Tree { get; init; } = TreeOptions.Default;

    /// <summary>The logger of <paramref name="component"/>: from <see cref="LoggerFactory"/>, else <see cref="Logger"/>, else none.</summary>
    internal ILogger CreateLogger(Type component) => LoggerFactory?.CreateLogger(component) ?? Logger ?? NullLogger.Instance;
}
