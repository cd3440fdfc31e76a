using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using LakeFs.Core.Errors;
using LakeFs.Core.Trees;
using LakeFs.Core.Model;
using LakeFs.Core.Objects;
using LakeFs.Core.Refs;
using LakeFs.Storage;
using LakeFs.Storage.Local;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LakeFs.Core;

/// <summary>
/// A versioned repository of objects: the door to every operation. Object bytes, ranges and metaranges live
/// in the <see cref="IObjectStore"/>; branches, tags, commits and uncommitted changes in a SQLite file.
/// Thread-safe; dispose with <c>await using</c>.
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
    private const int MaxCommitAttempts = 16;

    private readonly RepositoryOptions _options;
    private readonly SqliteRefStore _refs;
    private readonly StagingWriter _stager;
    private readonly TreeStore _trees;
    private readonly ClockCache<string, Commit> _commits;
    private readonly ILogger _logger;
    private readonly PutOptions _dataPut;
    private int _disposed;

    private Repository(RepositoryOptions options, SqliteRefStore refs, string id, string defaultBranch)
    {
        _options = options;
        _refs = refs;
        Id = id;
        DefaultBranch = defaultBranch;
        _logger = options.Logger ?? NullLogger.Instance;
        _dataPut = new PutOptions { Durable = options.Durability == Durability.PowerLoss };
        _trees = new TreeStore(options.ObjectStore, options.Tree, options.CacheSizeBytes, _dataPut.Durable);
        _commits = new ClockCache<string, Commit>(Math.Max(1, options.CommitCacheSize), _ => 1);
        _stager = new StagingWriter(refs);
    }

    /// <summary>The repository's unique id, fixed at creation.</summary>
    public string Id { get; }

    /// <summary>The default branch (it cannot be deleted).</summary>
    public string DefaultBranch { get; }

    /// <summary>The storage namespace holding object bytes and the committed tree files.</summary>
    public IObjectStore ObjectStore => _options.ObjectStore;

    internal TreeStore Trees => _trees;

    internal SqliteRefStore Refs => _refs;

    // ------------------------------------------------------------------ create / open

    /// <summary>Creates a repository in a local folder: objects under <c>objects/</c>, refs in <c>refs.db</c>.</summary>
    /// <exception cref="RepositoryAlreadyExistsException">The folder holds a repository already.</exception>
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
    public static Task<Repository> OpenAsync(string folder, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!File.Exists(Path.Combine(folder, LocalRefStoreFileName)))
        {
            throw new RepositoryNotFoundException($"'{folder}' holds no LakeFs repository (no {LocalRefStoreFileName}).");
        }
        // Checked before LocalOptions, which creates the objects folder: a failed open leaves the folder as it was.
        if (SqliteRefStore.ReadRepositoryId(Path.Combine(folder, LocalRefStoreFileName)) is null || !Directory.Exists(Path.Combine(folder, LocalObjectsFolderName)))
        {
            throw new RepositoryNotFoundException($"'{folder}' holds no LakeFs repository (its {LocalRefStoreFileName} records none, or it has no {LocalObjectsFolderName} folder).");
        }
        return OpenAsync(LocalOptions(folder), cancellationToken);
    }

    /// <summary>Options for a repository in a local folder, to adjust before create or open.</summary>
    public static RepositoryOptions LocalOptions(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        return new RepositoryOptions
        {
            ObjectStore = new LocalObjectStore(Path.Combine(folder, LocalObjectsFolderName)),
            RefStorePath = Path.Combine(folder, LocalRefStoreFileName),
        };
    }

    /// <summary>Creates a repository: the ref store file, the default branch and its first (empty) commit.</summary>
    /// <exception cref="RepositoryAlreadyExistsException">The ref store or the object store holds a repository already.</exception>
    /// <exception cref="StorageIntegrityException">
    /// The object store gave back other bytes than it was given (checked with a small object written, read back and
    /// deleted before anything else); the message names the fix. Nothing is left behind.
    /// </exception>
    public static async Task<Repository> CreateAsync(RepositoryOptions options, CancellationToken cancellationToken = default)
    {
        ValidateOptions(options);
        Names.ValidateNewRefName(options.DefaultBranch, "branch");
        cancellationToken.ThrowIfCancellationRequested();
        if (SqliteRefStore.ReadRepositoryId(options.RefStorePath) is { } existing)
        {
            throw new RepositoryAlreadyExistsException($"'{options.RefStorePath}' holds repository {existing} already.");
        }
        if (await options.ObjectStore.StatAsync(MarkerKey, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw new RepositoryAlreadyExistsException("The object store holds a repository already (it has a " + MarkerKey + ").");
        }
        await StorageProbe.CheckAsync(options.ObjectStore, mustWrite: true, options.Logger ?? NullLogger.Instance, cancellationToken).ConfigureAwait(false);
        var directory = Path.GetDirectoryName(Path.GetFullPath(options.RefStorePath));
        var createdDirectory = directory is not null && !Directory.Exists(directory) ? directory : null;
        var refsExisted = File.Exists(options.RefStorePath);
        if (createdDirectory is not null)
        {
            Directory.CreateDirectory(createdDirectory);
        }

        var id = Guid.NewGuid().ToString("N");
        var refs = new SqliteRefStore(options.RefStorePath, options.Durability);
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
            var first = new Commit(
                CommitId.Compute([], empty.Id, message, options.Committer, created, metadata),
                [], empty.Id, message, options.Committer, created, metadata, 1);
            refs.Initialize(id, options.DefaultBranch, first);
        }
        catch
        {
            refs.Dispose();
            if (markerWritten)
            {
                await RemoveFailedCreateAsync(options, refsExisted).ConfigureAwait(false);
            }
            if (createdDirectory is not null)
            {
                DeleteEmptyFolders(createdDirectory);
            }
            throw;
        }
        return new Repository(options, refs, id, options.DefaultBranch);
    }

    /// <summary>Opens an existing repository.</summary>
    /// <exception cref="RepositoryNotFoundException">The ref store holds no repository, or the object store belongs to another one.</exception>
    /// <exception cref="StorageIntegrityException">The object store gave back other bytes than it was given (the same check as at create).</exception>
    public static async Task<Repository> OpenAsync(RepositoryOptions options, CancellationToken cancellationToken = default)
    {
        ValidateOptions(options);
        cancellationToken.ThrowIfCancellationRequested();
        var id = SqliteRefStore.ReadRepositoryId(options.RefStorePath)
            ?? throw new RepositoryNotFoundException($"'{options.RefStorePath}' holds no LakeFs repository.");
        var markerId = await ReadMarkerAsync(options.ObjectStore, cancellationToken).ConfigureAwait(false);
        if (markerId != id)
        {
            throw new RepositoryNotFoundException(markerId is null
                ? $"The object store holds no repository (no {MarkerKey}); the ref store '{options.RefStorePath}' expects repository {id}."
                : $"The object store belongs to repository {markerId}, but the ref store '{options.RefStorePath}' belongs to {id}.");
        }
        await StorageProbe.CheckAsync(options.ObjectStore, mustWrite: false, options.Logger ?? NullLogger.Instance, cancellationToken).ConfigureAwait(false);
        var refs = new SqliteRefStore(options.RefStorePath, options.Durability);
        try
        {
            var defaultBranch = refs.GetSetting("default_branch");
            refs.DropOrphanTokens();
            return new Repository(options, refs, id, defaultBranch);
        }
        catch
        {
            refs.Dispose();
            throw;
        }
    }

    private static void ValidateOptions(RepositoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.ObjectStore, nameof(options.ObjectStore));
        ArgumentException.ThrowIfNullOrEmpty(options.RefStorePath, nameof(options.RefStorePath));
        ArgumentNullException.ThrowIfNull(options.TimeProvider, nameof(options.TimeProvider));
        ArgumentException.ThrowIfNullOrEmpty(options.Committer, nameof(options.Committer));
        MetadataLimits.ValidateCommit(null, options.Committer, null);
        ArgumentOutOfRangeException.ThrowIfNegative(options.CacheSizeBytes, nameof(options.CacheSizeBytes));
    }

    private static async Task WriteMarkerAsync(IObjectStore store, string id, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["repositoryId"] = id, ["formatVersion"] = 1 });
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
    /// Removes what a create that failed after writing its marker wrote: the ref store file (unless it was there before;
    /// its tables are created in the same transaction as the repository's rows, so a failed one adds none), the empty
    /// tree and the marker. Best effort: the create's own error is the one to report.
    /// </summary>
    private static async Task RemoveFailedCreateAsync(RepositoryOptions options, bool refsExisted)
    {
        if (!refsExisted)
        {
            foreach (var suffix in (string[])["", "-wal", "-shm", "-journal"])
            {
                try
                {
                    File.Delete(options.RefStorePath + suffix);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Left behind; a later create over it works all the same (the file holds no repository).
                }
            }
        }
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
    private static void DeleteEmptyFolders(string folder)
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

    // ------------------------------------------------------------------ objects

    /// <summary>
    /// Writes an object on a branch: streams the bytes to a fresh data address (computing size and SHA-256 on
    /// the way), then stages the entry. Returns once both are durable at the repository's durability level.
    /// </summary>
    /// <exception cref="BranchNotFoundException">The branch does not exist.</exception>
    /// <exception cref="ObjectAlreadyExistsException"><see cref="PutObjectOptions.IfNoneMatch"/> was set and the branch shows an object at the path.</exception>
    /// <exception cref="InvalidMetadataException">The content type or metadata breaks the rules of <see cref="MetadataLimits"/>.</exception>
    public async Task<ObjectInfo> PutObjectAsync(
        string branch, string path, Stream content, PutObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateRefName(branch, "branch");
        var key = Names.ValidatePath(path);
        ArgumentNullException.ThrowIfNull(content);
        options ??= new PutObjectOptions();
        MetadataLimits.ValidateObject(options.ContentType, options.Metadata);
        var head = await CheckWritableAsync(branch, key, options.IfNoneMatch, cancellationToken).ConfigureAwait(false);

        var address = CreatePhysicalAddress();
        using var hashing = new HashingStream(content);
        await ObjectStore.PutAsync(address, hashing, _dataPut, cancellationToken).ConfigureAwait(false);
        var entry = NewEntry(address, hashing.BytesRead, hashing.ChecksumHex(), options);
        return await StageAsync(branch, path, key, entry, head, ownsData: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stages an object whose bytes the caller already wrote into the repository's object store (as lakeFS
    /// clients do for direct writes). Get a fresh address from <see cref="CreatePhysicalAddress"/>.
    /// A <paramref name="checksum"/> of 64 hex digits is taken to be the SHA-256 of the bytes and is verified by
    /// whole-object reads (see <see cref="RepositoryOptions.VerifyContentChecksums"/>); any other checksum is kept as
    /// given and only the size is verified.
    /// </summary>
    /// <exception cref="InvalidPhysicalAddressException">The address is missing, inside the repository's metadata area, or its size differs.</exception>
    /// <exception cref="InvalidMetadataException">The checksum, content type or metadata breaks the rules of <see cref="MetadataLimits"/>.</exception>
    public async Task<ObjectInfo> LinkObjectAsync(
        string branch, string path, string physicalAddress, long size, string checksum,
        PutObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateRefName(branch, "branch");
        var key = Names.ValidatePath(path);
        ArgumentException.ThrowIfNullOrEmpty(physicalAddress);
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ArgumentNullException.ThrowIfNull(checksum);
        MetadataLimits.ValidateChecksum(checksum);
        options ??= new PutObjectOptions();
        MetadataLimits.ValidateObject(options.ContentType, options.Metadata);
        if (physicalAddress.StartsWith(InternalPrefix, StringComparison.Ordinal))
        {
            throw new InvalidPhysicalAddressException($"'{physicalAddress}' lies in the repository's metadata area ({InternalPrefix}); objects cannot link there.");
        }
        ObjectStat? stat;
        try
        {
            stat = await ObjectStore.StatAsync(physicalAddress, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidStorageKeyException e)
        {
            throw new InvalidPhysicalAddressException($"'{physicalAddress}' is not an address inside the repository's storage namespace.", e);
        }
        if (stat is null)
        {
            throw new InvalidPhysicalAddressException($"No object exists at physical address '{physicalAddress}' in the repository's storage namespace.");
        }
        if (stat.Size != size)
        {
            throw new InvalidPhysicalAddressException($"The object at '{physicalAddress}' has {stat.Size} bytes, not the {size} given.");
        }
        var head = await CheckWritableAsync(branch, key, options.IfNoneMatch, cancellationToken).ConfigureAwait(false);
        var entry = NewEntry(physicalAddress, size, checksum, options);
        return await StageAsync(branch, path, key, entry, head, ownsData: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A fresh, never-used data address in the repository's object store, for <see cref="LinkObjectAsync"/>:
    /// <c>data/&lt;yyyyMMddHH&gt;/&lt;UUID version 7, 32 hex digits&gt;</c>, so addresses sort by creation time.
    /// </summary>
    public string CreatePhysicalAddress()
    {
        var now = _options.TimeProvider.GetUtcNow();
        // A version-7 UUID (RFC 9562): 48-bit Unix milliseconds, then 74 random bits. The random bits come from
        // Random.Shared, which the runtime seeds from the OS once: Guid.CreateVersion7 reads /dev/urandom on
        // every call, one system call per put (seen in an strace of the put loop).
        Span<byte> uuid = stackalloc byte[16];
        Random.Shared.NextBytes(uuid);
        var ms = now.ToUnixTimeMilliseconds();
        for (var i = 0; i < 6; i++)
        {
            uuid[i] = (byte)(ms >> (8 * (5 - i)));
        }
        uuid[6] = (byte)(0x70 | (uuid[6] & 0x0F));
        uuid[8] = (byte)(0x80 | (uuid[8] & 0x3F));
        return $"data/{now:yyyyMMddHH}/{Convert.ToHexStringLower(uuid)}";
    }

    /// <summary>Deletes an object from a branch (stages a tombstone).</summary>
    /// <exception cref="ObjectNotFoundException">The branch shows no object at the path.</exception>
    public async Task DeleteObjectAsync(string branch, string path, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateRefName(branch, "branch");
        var key = Names.ValidatePath(path);
        if (await GetEntryAsync(branch, key, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new ObjectNotFoundException($"No object '{path}' on branch '{branch}'.");
        }
        var result = await _stager.StageAsync(new StageRequest(branch, key, null)).ConfigureAwait(false);
        if (result == StageResult.BranchNotFound)
        {
            throw new BranchNotFoundException($"Branch '{branch}' does not exist.");
        }
    }

    /// <summary>What a reader of <paramref name="ref"/> sees at <paramref name="path"/>.</summary>
    /// <exception cref="ObjectNotFoundException">No object at the path on that ref.</exception>
    public async Task<ObjectInfo> StatObjectAsync(string @ref, string path, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        var key = Names.ValidatePath(path);
        var entry = await GetEntryAsync(@ref, key, cancellationToken).ConfigureAwait(false)
            ?? throw new ObjectNotFoundException($"No object '{path}' on '{@ref}'.");
        return ToInfo(path, entry);
    }

    /// <summary>Opens the object's bytes (or a byte range of them) as a reader of <paramref name="ref"/> sees them.</summary>
    /// <remarks>
    /// A whole-object read (no <paramref name="range"/>) is verified as it streams, unless
    /// <see cref="RepositoryOptions.VerifyContentChecksums"/> is off: when the reader reaches the end, the bytes' count and
    /// SHA-256 are compared with those recorded at put, and a mismatch (an object overwritten in place, truncated or
    /// extended in the store) throws <see cref="CorruptDataException"/> naming the path and physical address from that
    /// last read. A reader that stops early or seeks gets no verification; ranged reads cannot be verified. For an
    /// object staged by <see cref="LinkObjectAsync"/>, only the size is checked unless its checksum is 64 hex digits,
    /// which is taken to be the SHA-256 of its bytes.
    /// </remarks>
    /// <exception cref="ObjectNotFoundException">No object at the path on that ref.</exception>
    public async Task<Stream> OpenReadAsync(string @ref, string path, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        var key = Names.ValidatePath(path);
        var entry = await GetEntryAsync(@ref, key, cancellationToken).ConfigureAwait(false)
            ?? throw new ObjectNotFoundException($"No object '{path}' on '{@ref}'.");
        try
        {
            var stream = await ObjectStore.OpenReadAsync(entry.Address, range, cancellationToken).ConfigureAwait(false);
            return range is null && _options.VerifyContentChecksums
                ? new VerifyingReadStream(stream, path, entry.Address, entry.Size, entry.Checksum)
                : stream;
        }
        catch (StorageKeyNotFoundException e)
        {
            throw new CorruptDataException($"The bytes of '{path}' on '{@ref}' are missing from the object store (address '{entry.Address}').", e);
        }
    }

    /// <summary>
    /// Lists objects on a ref in path order. With a <paramref name="delimiter"/>, paths that continue past the
    /// delimiter after <paramref name="prefix"/> are folded into one common-prefix item. <paramref name="after"/>
    /// starts the listing strictly after a path (for paging).
    /// </summary>
    public async IAsyncEnumerable<ListItem> ListObjectsAsync(
        string @ref, string? prefix = null, string? delimiter = null, string? after = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        var prefixKey = Names.ValidatePrefix(prefix);
        var afterKey = after is null ? null : Names.ValidatePrefix(after, "start-after path");
        var delimiterKey = string.IsNullOrEmpty(delimiter) ? null : Names.ValidatePrefix(delimiter, "delimiter");
        var resolved = Resolve(@ref);

        SqliteSession? snapshot = null;
        try
        {
            string headId = resolved.CommitId;
            long[] tokens = [];
            if (resolved.Branch is { } branchName)
            {
                snapshot = _refs.Open();
                snapshot.Begin(write: false);
                var branch = SqliteRefStore.GetBranch(snapshot, branchName) ?? throw new BranchNotFoundException($"Branch '{branchName}' does not exist.");
                headId = branch.Head;
                tokens = branch.Tokens;
            }
            var tree = await _trees.GetMetaRangeAsync(GetCommit(headId).MetaRangeId, cancellationToken).ConfigureAwait(false);

            var start = afterKey is not null && afterKey.AsSpan().SequenceCompareTo(prefixKey) >= 0 ? Successor(afterKey) : prefixKey;
            while (true)
            {
                byte[]? restart = null;
                var cursor = OpenView(snapshot, tokens, tree, start);
                await using (cursor.ConfigureAwait(false))
                {
                    while (await cursor.MoveNextAsync(cancellationToken).ConfigureAwait(false))
                    {
                        var key = cursor.Key.Span;
                        if (!key.StartsWith(prefixKey))
                        {
                            yield break;
                        }
                        if (cursor.IsTombstone)
                        {
                            continue;
                        }
                        if (delimiterKey is not null)
                        {
                            var cut = key[prefixKey.Length..].IndexOf(delimiterKey);
                            if (cut >= 0)
                            {
                                var commonPrefix = key[..(prefixKey.Length + cut + delimiterKey.Length)].ToArray();
                                restart = PrefixEnd(commonPrefix);
                                if (afterKey is null || commonPrefix.AsSpan().SequenceCompareTo(afterKey) > 0)
                                {
                                    yield return new ListItem(Encoding.UTF8.GetString(commonPrefix), null);
                                }
                                break;
                            }
                        }
                        var path = Encoding.UTF8.GetString(key);
                        yield return new ListItem(path, ToInfo(path, EntryCodec.Decode(cursor.Value.Span)));
                    }
                }
                if (restart is null)
                {
                    yield break;
                }
                start = restart;
            }
        }
        finally
        {
            snapshot?.Dispose();
        }
    }

    private EntryCursor OpenView(SqliteSession? snapshot, long[] tokens, MetaRange tree, byte[] start)
    {
        var treeCursor = new TreeCursor(_trees, tree, start);
        if (snapshot is null)
        {
            return treeCursor;
        }
        var cursors = new List<EntryCursor>(tokens.Length + 1);
        foreach (var token in tokens)
        {
            cursors.Add(new StagingCursor(snapshot, token, start));
        }
        cursors.Add(treeCursor);
        return new OverlayCursor(cursors);
    }

    /// <summary>The smallest key after <paramref name="key"/>.</summary>
    private static byte[] Successor(byte[] key) => [.. key, 0];

    /// <summary>The smallest key after every key that starts with <paramref name="prefix"/>.</summary>
    private static byte[] PrefixEnd(byte[] prefix)
    {
        var end = (byte[])prefix.Clone();
        for (var i = end.Length - 1; i >= 0; i--)
        {
            if (end[i] != 0xFF)
            {
                end[i]++;
                return end[..(i + 1)];
            }
        }
        return [.. prefix, 0xFF];
    }

    private Entry NewEntry(string address, long size, string checksum, PutObjectOptions options) =>
        new(address, size, checksum, options.ContentType ?? Entry.DefaultContentType,
            options.Metadata is { Count: > 0 } m ? new SortedDictionary<string, string>(m.ToDictionary(), StringComparer.Ordinal) : Entry.NoMetadata,
            _options.TimeProvider.GetUtcNow());

    /// <summary>Checks the branch exists and, for if-none-match, that nothing is there; returns the head checked against.</summary>
    private async Task<string?> CheckWritableAsync(string branch, byte[] key, bool ifNoneMatch, CancellationToken cancellationToken)
    {
        if (!ifNoneMatch)
        {
            if (!_refs.BranchSeen(branch))
            {
                throw new BranchNotFoundException($"Branch '{branch}' does not exist.");
            }
            return null;
        }
        var (head, entry) = await GetBranchEntryAsync(branch, key, cancellationToken).ConfigureAwait(false);
        if (entry is not null)
        {
            throw new ObjectAlreadyExistsException($"An object '{Encoding.UTF8.GetString(key)}' exists on branch '{branch}' already.");
        }
        return head;
    }

    private async Task<ObjectInfo> StageAsync(
        string branch, string path, byte[] key, Entry entry, string? ifAbsentAtHead, bool ownsData, CancellationToken cancellationToken)
    {
        var encoded = EntryCodec.Encode(entry);
        while (true)
        {
            var result = await _stager.StageAsync(new StageRequest(branch, key, encoded, ifAbsentAtHead)).ConfigureAwait(false);
            if (result == StageResult.Staged)
            {
                return ToInfo(path, entry);
            }
            if (result == StageResult.HeadMoved)
            {
                // A commit moved the head between our check and the write: check the committed side again.
                ifAbsentAtHead = await CheckWritableAsync(branch, key, true, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (ownsData)
            {
                await ObjectStore.DeleteAsync(entry.Address, CancellationToken.None).ConfigureAwait(false);
            }
            throw result == StageResult.BranchNotFound
                ? new BranchNotFoundException($"Branch '{branch}' does not exist.")
                : new ObjectAlreadyExistsException($"An object '{path}' exists on branch '{branch}' already.");
        }
    }

    private static ObjectInfo ToInfo(string path, Entry e) =>
        new(path, e.Address, e.Size, e.Checksum, e.ContentType, e.Metadata, e.LastModified);

    /// <summary>The entry a reader of <paramref name="ref"/> sees at <paramref name="key"/>, or null.</summary>
    private async ValueTask<Entry?> GetEntryAsync(string @ref, byte[] key, CancellationToken cancellationToken)
    {
        var resolved = Resolve(@ref);
        if (resolved.Branch is { } branch)
        {
            return (await GetBranchEntryAsync(branch, key, cancellationToken).ConfigureAwait(false)).Entry;
        }
        return await GetCommittedEntryAsync(resolved.Commit ?? GetCommit(resolved.CommitId), key, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The branch's head and its view of <paramref name="key"/> (staged first, then committed), read from one snapshot.</summary>
    private async Task<(string Head, Entry? Entry)> GetBranchEntryAsync(string branchName, byte[] key, CancellationToken cancellationToken)
    {
        string head;
        (bool Found, byte[]? Bytes) staged;
        using (var s = _refs.Open())
        {
            s.Begin(write: false);
            var branch = SqliteRefStore.GetBranch(s, branchName) ?? throw new BranchNotFoundException($"Branch '{branchName}' does not exist.");
            head = branch.Head;
            staged = SqliteRefStore.GetStaged(s, branch.Tokens, key);
        }
        if (staged.Found)
        {
            return (head, staged.Bytes is null ? null : EntryCodec.Decode(staged.Bytes));
        }
        return (head, await GetCommittedEntryAsync(GetCommit(head), key, cancellationToken).ConfigureAwait(false));
    }

    private async ValueTask<Entry?> GetCommittedEntryAsync(Commit commit, byte[] key, CancellationToken cancellationToken) =>
        await _trees.GetEntryAsync(await _trees.GetMetaRangeAsync(commit.MetaRangeId, cancellationToken).ConfigureAwait(false), key, cancellationToken).ConfigureAwait(false);

    // ------------------------------------------------------------------ branches

    /// <summary>Creates a branch at the commit <paramref name="from"/> resolves to (a branch's head, a tag, a commit, an expression). O(1).</summary>
    /// <exception cref="BranchAlreadyExistsException">The name is taken.</exception>
    /// <exception cref="TagAlreadyExistsException">A tag has the name (branches and tags share one namespace).</exception>
    /// <exception cref="InvalidNameException">The name breaks the naming rules or is 64 hex digits (it would read as a commit id).</exception>
    public Task<BranchInfo> BranchAsync(string name, string from, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateNewRefName(name, "branch");
        var head = Resolve(from).CommitId;
        _refs.CreateBranch(name, head);
        _logger.LogInformation("Created branch {Branch} at {Commit}", name, head);
        return Task.FromResult(new BranchInfo(name, head));
    }

    /// <summary>The branch and its head commit.</summary>
    /// <exception cref="BranchNotFoundException">No such branch.</exception>
    public Task<BranchInfo> GetBranchAsync(string name, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateRefName(name, "branch");
        var branch = _refs.GetBranch(name) ?? throw new BranchNotFoundException($"Branch '{name}' does not exist.");
        return Task.FromResult(new BranchInfo(branch.Name, branch.Head));
    }

    /// <summary>All branches, by name.</summary>
    public async IAsyncEnumerable<BranchInfo> ListBranchesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        foreach (var branch in _refs.ListBranches())
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new BranchInfo(branch.Name, branch.Head);
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <summary>Deletes a branch and its uncommitted changes. Commits stay reachable from other refs.</summary>
    /// <exception cref="ProtectedBranchException">It is the default branch.</exception>
    /// <exception cref="BranchNotFoundException">No such branch.</exception>
    public Task DeleteBranchAsync(string name, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateRefName(name, "branch");
        if (name == DefaultBranch)
        {
            throw new ProtectedBranchException($"Branch '{name}' is the default branch and cannot be deleted.");
        }
        _refs.DeleteBranch(name);
        _logger.LogInformation("Deleted branch {Branch}", name);
        return Task.CompletedTask;
    }

    // ------------------------------------------------------------------ tags

    /// <summary>Creates an immutable tag for the commit <paramref name="ref"/> resolves to.</summary>
    /// <exception cref="TagAlreadyExistsException">The name is taken (tags never move).</exception>
    /// <exception cref="BranchAlreadyExistsException">A branch has the name (branches and tags share one namespace).</exception>
    /// <exception cref="InvalidNameException">The name breaks the naming rules or is 64 hex digits (it would read as a commit id).</exception>
    public Task<TagInfo> TagAsync(string name, string @ref, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateNewRefName(name, "tag");
        var commitId = Resolve(@ref).CommitId;
        _refs.CreateTag(name, commitId);
        return Task.FromResult(new TagInfo(name, commitId));
    }

    /// <summary>The tag and the commit it names.</summary>
    /// <exception cref="TagNotFoundException">No such tag.</exception>
    public Task<TagInfo> GetTagAsync(string name, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateRefName(name, "tag");
        var commitId = _refs.GetTag(name) ?? throw new TagNotFoundException($"Tag '{name}' does not exist.");
        return Task.FromResult(new TagInfo(name, commitId));
    }

    /// <summary>All tags, by name.</summary>
    public async IAsyncEnumerable<TagInfo> ListTagsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        foreach (var tag in _refs.ListTags())
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return tag;
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <summary>Deletes a tag (the commit stays).</summary>
    /// <exception cref="TagNotFoundException">No such tag.</exception>
    public Task DeleteTagAsync(string name, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateRefName(name, "tag");
        if (!_refs.DeleteTag(name))
        {
            throw new TagNotFoundException($"Tag '{name}' does not exist.");
        }
        return Task.CompletedTask;
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
