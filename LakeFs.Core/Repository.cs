using System.Text.Json;
using LakeFs.Core.Errors;
using LakeFs.Core.Json;
using LakeFs.Core.Model;
using LakeFs.Core.Objects;
using LakeFs.Core.Refs;
using LakeFs.Core.Trees;
using LakeFs.Storage;
using LakeFs.Storage.Local;
using Microsoft.Extensions.Logging;

namespace LakeFs.Core;

/// <summary>
/// A versioned repository of objects: the door to every operation. Object bytes, ranges and metaranges live
/// in the <see cref="IObjectStore"/>; branches, tags, commits and uncommitted changes in a ref store (a SQLite file
/// by default, see <see cref="RepositoryOptions.RefStore"/>). Thread-safe; dispose with <c>await using</c>.
/// <para>
/// One partial file per concern: objects, listing, branches and tags, commits and log, diff, the merge family, reset,
/// ref resolution, and the one path every move of a branch head takes (<c>Repository.BranchUpdates.cs</c>). The facade
/// validates and delegates; the algorithms live in <c>Trees/</c> and <c>Refs/</c>.
/// </para>
/// </summary>
/// <example>
/// <code>
/// await using var repo = await Repository.CreateAsync("my-lake");
/// await repo.PutObjectAsync("main", "tables/users/part-0.parquet", stream);
/// await repo.CommitAsync("main", "Load users");
/// await repo.BranchAsync("ingest", "main");
/// </code>
/// </example>
public sealed partial class Repository : IAsyncDisposable
{
    /// <summary>File name of the ref store inside a local repository folder.</summary>
    public const string LocalRefStoreFileName = "refs.db";

    /// <summary>Folder name of the object store inside a local repository folder.</summary>
    public const string LocalObjectsFolderName = "objects";

    private const string MarkerKey = "_lakefs/repository.json";
    private const string InternalPrefix = "_lakefs/";

    private readonly RepositoryOptions _options;
    private readonly IRefStore _refs;
    private readonly TreeStore _trees;
    private readonly BranchGates _gates = new();
    private readonly ILogger _logger;
    private readonly PutOptions _dataPut;
    private int _disposed;

    private Repository(RepositoryOptions options, IRefStore refs, string id, string defaultBranch)
    {
        _options = options;
        _refs = refs;
        Id = id;
        DefaultBranch = defaultBranch;
        _logger = options.CreateLogger(typeof(Repository));
        _dataPut = new PutOptions { Durable = options.Durability == Durability.PowerLoss };
        _trees = new TreeStore(options.ObjectStore, options.Tree, options.CacheSizeBytes, _dataPut.Durable);
    }

    /// <summary>The repository's unique id, fixed at creation.</summary>
    public string Id { get; }

    /// <summary>The default branch (it cannot be deleted).</summary>
    public string DefaultBranch { get; }

    /// <summary>The storage namespace holding object bytes and the committed tree files.</summary>
    public IObjectStore ObjectStore => _options.ObjectStore;

    internal IRefStore Refs => _refs;

    // ------------------------------------------------------------------ create / open

    /// <summary>Creates a repository in a local folder: objects under <c>objects/</c>, refs in <c>refs.db</c>.</summary>
    /// <exception cref="RepositoryAlreadyExistsException">The folder holds a repository already.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The overloads differ in the type of their one required parameter (a folder or options); the only optional one is the CancellationToken, last, by .NET convention.")]
    public static async Task<Repository> CreateAsync(string folder, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var objects = Path.Combine(folder, LocalObjectsFolderName);
        var created = !Directory.Exists(folder) ? folder : !Directory.Exists(objects) ? objects : null;
        try
        {
            return await CreateAsync(LocalOptions(folder), cancellationToken).ConfigureAwait(false);
        }
        catch when (created is not null)
        {
            // A failed create removed what it wrote; the folders it made for that go too.
            DeleteEmptyFolders(created);
            throw;
        }
    }

    /// <summary>Opens the repository in a local folder created by <see cref="CreateAsync(string, CancellationToken)"/>.</summary>
    /// <exception cref="RepositoryNotFoundException">The folder holds no repository.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The overloads differ in the type of their one required parameter (a folder or options); the only optional one is the CancellationToken, last, by .NET convention.")]
    public static async Task<Repository> OpenAsync(string folder, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var refStore = new SqliteRefStoreOptions(Path.Combine(folder, LocalRefStoreFileName));
        if (!File.Exists(refStore.Path) && Directory.Exists(Path.Combine(folder, LocalObjectsFolderName)))
        {
            // Objects without refs: the open below says whether they belong to a repository, and how to restore its refs.
            return await OpenAsync(LocalOptions(folder), cancellationToken).ConfigureAwait(false);
        }
        if (!File.Exists(refStore.Path))
        {
            throw new RepositoryNotFoundException($"'{folder}' holds no LakeFs repository (no {LocalRefStoreFileName}).");
        }
        // Checked before LocalOptions, which creates the objects folder: a failed open leaves the folder as it was.
        if (await refStore.ReadRepositoryIdAsync(cancellationToken).ConfigureAwait(false) is null || !Directory.Exists(Path.Combine(folder, LocalObjectsFolderName)))
        {
            throw new RepositoryNotFoundException($"'{folder}' holds no LakeFs repository (its {LocalRefStoreFileName} records none, or it has no {LocalObjectsFolderName} folder).");
        }
        return await OpenAsync(LocalOptions(folder), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Options for a repository in a local folder, to adjust before create or open.</summary>
    public static RepositoryOptions LocalOptions(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        return new RepositoryOptions
        {
            ObjectStore = new LocalObjectStore(Path.Combine(folder, LocalObjectsFolderName)),
            RefStore = new SqliteRefStoreOptions(Path.Combine(folder, LocalRefStoreFileName)),
        };
    }

    /// <summary>Creates a repository: the ref store file, the default branch and its first (empty) commit.</summary>
    /// <exception cref="RepositoryAlreadyExistsException">The ref store or the object store holds a repository already.</exception>
    /// <exception cref="StorageIntegrityException">
    /// The object store gave back other bytes than it was given (checked with a small object written, read back and
    /// deleted before anything else); the message names the fix. Nothing is left behind.
    /// </exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The overloads differ in the type of their one required parameter (a folder or options); the only optional one is the CancellationToken, last, by .NET convention.")]
    public static async Task<Repository> CreateAsync(RepositoryOptions options, CancellationToken cancellationToken = default)
    {
        ValidateOptions(options);
        options = WithFileCache(options);
        Names.ValidateNewRefName(options.DefaultBranch, "branch");
        cancellationToken.ThrowIfCancellationRequested();
        if (await options.RefStore.ReadRepositoryIdAsync(cancellationToken).ConfigureAwait(false) is { } existing)
        {
            throw new RepositoryAlreadyExistsException($"{Capitalize(options.RefStore.Description)} holds repository {existing} already.");
        }
        if (await options.ObjectStore.StatAsync(MarkerKey, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw new RepositoryAlreadyExistsException("The object store holds a repository already (it has a " + MarkerKey + ").");
        }
        await StorageProbe.CheckAsync(options.ObjectStore, mustWrite: true, options.CreateLogger(typeof(StorageProbe)), cancellationToken).ConfigureAwait(false);

        var id = Guid.NewGuid().ToString("N");
        var markerWritten = false;
        try
        {
            // The marker first: it claims the object store (a second creator fails here), so what follows is ours to remove.
            await WriteMarkerAsync(options.ObjectStore, id, cancellationToken).ConfigureAwait(false);
            markerWritten = true;
            var trees = new TreeStore(options.ObjectStore, options.Tree, options.CacheSizeBytes, options.Durability == Durability.PowerLoss);
            var empty = await trees.PutMetaRangeAsync([], cancellationToken).ConfigureAwait(false);
            var created = options.TimeProvider.GetUtcNow();
            var metadata = new SortedDictionary<string, string>(StringComparer.Ordinal);
            const string message = "Repository created";
            var first = new Commit
            {
                Id = CommitId.Compute([], empty.Id, message, options.Committer, created, metadata),
                Parents = [],
                MetaRangeId = empty.Id,
                Message = message,
                Committer = options.Committer,
                CreationDate = created,
                Metadata = metadata,
                Generation = 1,
            };
            // Last: a ref store that fails to record the repository removes what it created itself.
            var refs = await options.RefStore.CreateAsync(id, options.DefaultBranch, first, options.Durability, options.CommitCacheSize, cancellationToken).ConfigureAwait(false);
            return new Repository(options, refs, id, options.DefaultBranch);
        }
        catch when (markerWritten)
        {
            await RemoveFailedCreateAsync(options).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Opens an existing repository.</summary>
    /// <exception cref="RepositoryNotFoundException">The ref store holds no repository, or the object store belongs to another one.</exception>
    /// <exception cref="StorageIntegrityException">The object store gave back other bytes than it was given (the same check as at create).</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The overloads differ in the type of their one required parameter (a folder or options); the only optional one is the CancellationToken, last, by .NET convention.")]
    public static async Task<Repository> OpenAsync(RepositoryOptions options, CancellationToken cancellationToken = default)
    {
        ValidateOptions(options);
        options = WithFileCache(options);
        cancellationToken.ThrowIfCancellationRequested();
        var description = options.RefStore.Description;
        var id = await options.RefStore.ReadRepositoryIdAsync(cancellationToken).ConfigureAwait(false);
        var markerId = await ReadMarkerAsync(options.ObjectStore, cancellationToken).ConfigureAwait(false);
        if (id is null)
        {
            throw new RepositoryNotFoundException(markerId is null
                ? $"{Capitalize(description)} holds no LakeFs repository."
                : $"{Capitalize(description)} holds no refs, but the object store holds repository {markerId}: its branches, tags and commits are lost from the ref store. "
                    + $"Rebuild them from a refs dump with Repository.RestoreRefsAsync(options, dumpId) (dumps are under {RefsDumpPrefix} in the object store), then open it.");
        }
        if (markerId != id)
        {
            throw new RepositoryNotFoundException(markerId is null
                ? $"The object store holds no repository (no {MarkerKey}); {description} expects repository {id}."
                : $"The object store belongs to repository {markerId}, but {description} belongs to {id}.");
        }
        await StorageProbe.CheckAsync(options.ObjectStore, mustWrite: false, options.CreateLogger(typeof(StorageProbe)), cancellationToken).ConfigureAwait(false);
        var refs = options.RefStore.Open(options.Durability, options.CommitCacheSize);
        try
        {
            var defaultBranch = await refs.GetDefaultBranchAsync(cancellationToken).ConfigureAwait(false);
            await refs.DropOrphanStagingAsync(cancellationToken).ConfigureAwait(false);
            return new Repository(options, refs, id, defaultBranch);
        }
        catch
        {
            refs.Dispose();
            throw;
        }
    }

    internal static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private static void ValidateOptions(RepositoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.ObjectStore, nameof(options.ObjectStore));
        ArgumentNullException.ThrowIfNull(options.RefStore, nameof(options.RefStore));
        ArgumentNullException.ThrowIfNull(options.TimeProvider, nameof(options.TimeProvider));
        ArgumentException.ThrowIfNullOrEmpty(options.Committer, nameof(options.Committer));
        MetadataLimits.ValidateCommit(null, options.Committer, null);
        ArgumentOutOfRangeException.ThrowIfNegative(options.CacheSizeBytes, nameof(options.CacheSizeBytes));
        ArgumentNullException.ThrowIfNull(options.ImportSources, nameof(options.ImportSources));
        foreach (var (name, store) in options.ImportSources)
        {
            ImportSource.ValidateName(name);
            ArgumentNullException.ThrowIfNull(store, $"{nameof(options.ImportSources)}[{name}]");
        }
    }

    /// <summary>The options with <see cref="RepositoryOptions.FileCache"/> applied: the object store wrapped in a cache of the tree files.</summary>
    private static RepositoryOptions WithFileCache(RepositoryOptions options) => options.FileCache is { } cache
        ? options with { ObjectStore = new CachingObjectStore(options.ObjectStore, cache, TreeStore.ImmutablePrefixes, options.CreateLogger(typeof(CachingObjectStore))), FileCache = null }
        : options;

    private static async Task WriteMarkerAsync(IObjectStore store, string id, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(new RepositoryMarker(id, 1), CoreJsonContext.Default.RepositoryMarker);
        using var stream = new MemoryStream(json);
        try
        {
            await store.PutAsync(MarkerKey, stream, new PutOptions { IfNoneMatch = true, Durable = true }, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageKeyExistsException e)
        {
            throw new RepositoryAlreadyExistsException("The object store holds a repository already (it has a " + MarkerKey + ").", e);
        }
    }

    /// <summary>
    /// Removes what a create that failed after writing its marker wrote to the object store: the empty tree and the
    /// marker (a ref store that failed removes its own part). Best effort: the create's own error is the one to report.
    /// </summary>
    private static async Task RemoveFailedCreateAsync(RepositoryOptions options)
    {
        var emptyTree = TreeStore.MetaRangePrefix + TreeStore.EmptyMetaRangeId;
        foreach (var key in (string[])[emptyTree, MarkerKey])
        {
            try
            {
                await options.ObjectStore.DeleteAsync(key, CancellationToken.None).ConfigureAwait(false);
            }
            catch (LakeFsException)
            {
                // Left behind; the marker then makes a later create fail with a message naming it.
            }
        }
    }

    /// <summary>Deletes <paramref name="folder"/> and the folders beneath it, as long as they hold no file.</summary>
    internal static void DeleteEmptyFolders(string folder)
    {
        try
        {
            foreach (var child in new DirectoryInfo(folder).EnumerateDirectories())
            {
                if (!child.Attributes.HasFlag(FileAttributes.ReparsePoint))
                {
                    DeleteEmptyFolders(child.FullName);
                }
            }
            Directory.Delete(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not empty, or gone already: left as it is.
        }
    }

    private static async Task<string?> ReadMarkerAsync(IObjectStore store, CancellationToken cancellationToken)
    {
        try
        {
            var stream = await store.OpenReadAsync(MarkerKey, null, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                using var doc = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
                return doc.RootElement.GetProperty("repositoryId").GetString();
            }
        }
        catch (StorageKeyNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new CorruptDataException($"The repository marker {MarkerKey} is not readable.", e);
        }
    }

    // ------------------------------------------------------------------ dispose

    /// <summary>
    /// Every public method with a token starts here, before it reads or writes anything: after dispose it throws
    /// <see cref="ObjectDisposedException"/>, with a token already cancelled <see cref="OperationCanceledException"/>.
    /// </summary>
    private void ThrowIfDisposedOrCanceled(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Closes the ref store. Writes already acknowledged are durable; calls after this throw <see cref="ObjectDisposedException"/>.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _refs.Dispose();
        }
        return ValueTask.CompletedTask;
    }
}
