using System.Runtime.InteropServices;
using System.Text;
using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Objects;
using LakeFs.Core.Refs;
using LakeFs.Core.Transfer;
using LakeFs.Core.Trees;
using LakeFs.Storage;
using LakeFs.Storage.Diagnostics;

namespace LakeFs.Core;

public sealed partial class Repository
{
    private const string TextContentType = "text/plain; charset=utf-8";

    private static readonly PutObjectOptions TextPut = new() { ContentType = TextContentType };

    /// <summary>
    /// Writes an object on a branch: streams the bytes to a fresh data address (computing size and SHA-256 on
    /// the way), then stages the entry. Returns once both are durable at the repository's durability level.
    /// </summary>
    /// <exception cref="BranchNotFoundException">The branch does not exist.</exception>
    /// <exception cref="ObjectAlreadyExistsException"><see cref="PutObjectOptions.IfNoneMatch"/> was set and the branch shows an object at the path.</exception>
    /// <exception cref="InvalidMetadataException">The content type or metadata breaks the rules of <see cref="MetadataLimits"/>.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The overloads differ in the type of the required content (a stream, bytes or text) and share one optional tail (options, CancellationToken).")]
    public async Task<ObjectInfo> PutObjectAsync(
        string branch, string path, Stream content, PutObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var activity = StartActivity("lakefs.put", branch);
        try
        {
            var info = await PutObjectCoreAsync(branch, path, content, options, cancellationToken).ConfigureAwait(false);
            activity?.SetTag("lakefs.object.size", info.Size);
            if (LakeFsTelemetry.Puts.Enabled)
            {
                LakeFsTelemetry.Puts.Add(1, new KeyValuePair<string, object?>(LakeFsTelemetry.RepositoryTag, Id));
            }
            if (LakeFsTelemetry.BytesWritten.Enabled)
            {
                LakeFsTelemetry.BytesWritten.Add(info.Size, new KeyValuePair<string, object?>(LakeFsTelemetry.RepositoryTag, Id));
            }
            return info;
        }
        catch (Exception e) when (LakeFsTelemetry.Fail(activity, e))
        {
            throw;
        }
    }

    private async Task<ObjectInfo> PutObjectCoreAsync(
        string branch, string path, Stream content, PutObjectOptions? options, CancellationToken cancellationToken)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateRefName(branch, "branch");
        var key = Names.ValidatePath(path);
        ArgumentNullException.ThrowIfNull(content);
        options ??= new PutObjectOptions();
        MetadataLimits.ValidateObject(options.ContentType, options.Metadata);
        await ThrowIfKnownProtectedAsync(branch, $"put '{path}' on", cancellationToken).ConfigureAwait(false);
        var head = await CheckWritableAsync(branch, key, options.IfNoneMatch, cancellationToken).ConfigureAwait(false);

        var address = CreatePhysicalAddress();
        using var hashing = new HashingStream(content);
        await ObjectStore.PutAsync(address, hashing, _dataPut, cancellationToken).ConfigureAwait(false);
        var entry = NewEntry(address, hashing.BytesRead, hashing.ChecksumHex(), options);
        return await StageAsync(branch, path, key, entry, head, ownsData: true, $"put '{path}' on", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes an object from bytes in memory (a <c>byte[]</c> converts to <see cref="ReadOnlyMemory{T}"/>); otherwise as
    /// <see cref="PutObjectAsync(string, string, Stream, PutObjectOptions?, CancellationToken)"/>. The bytes must not change until the task completes.
    /// </summary>
    /// <exception cref="BranchNotFoundException">The branch does not exist.</exception>
    /// <exception cref="ObjectAlreadyExistsException"><see cref="PutObjectOptions.IfNoneMatch"/> was set and the branch shows an object at the path.</exception>
    /// <exception cref="InvalidMetadataException">The content type or metadata breaks the rules of <see cref="MetadataLimits"/>.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The overloads differ in the type of the required content (a stream, bytes or text) and share one optional tail (options, CancellationToken).")]
    public Task<ObjectInfo> PutObjectAsync(
        string branch, string path, ReadOnlyMemory<byte> content, PutObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        // No copy for memory backed by an array, the common case; a MemoryStream holds nothing to dispose.
        var stream = MemoryMarshal.TryGetArray(content, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(content.ToArray(), writable: false);
        return PutObjectAsync(branch, path, stream, options, cancellationToken);
    }

    /// <summary>
    /// Writes an object whose content is <paramref name="text"/> as UTF-8 (without a byte-order mark), with the content
    /// type <c>text/plain; charset=utf-8</c> unless <paramref name="options"/> gives one; otherwise as
    /// <see cref="PutObjectAsync(string, string, Stream, PutObjectOptions?, CancellationToken)"/>. The text is the
    /// content, not a file name: see <see cref="PutFileAsync"/> for a file.
    /// </summary>
    /// <exception cref="BranchNotFoundException">The branch does not exist.</exception>
    /// <exception cref="ObjectAlreadyExistsException"><see cref="PutObjectOptions.IfNoneMatch"/> was set and the branch shows an object at the path.</exception>
    /// <exception cref="InvalidMetadataException">The content type or metadata breaks the rules of <see cref="MetadataLimits"/>.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The overloads differ in the type of the required content (a stream, bytes or text) and share one optional tail (options, CancellationToken).")]
    public Task<ObjectInfo> PutObjectAsync(
        string branch, string path, string text, PutObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        options = options is null ? TextPut : options.ContentType is null ? options with { ContentType = TextContentType } : options;
        return PutObjectAsync(branch, path, Encoding.UTF8.GetBytes(text).AsMemory(), options, cancellationToken);
    }

    /// <summary>
    /// Writes an object from the file at <paramref name="filePath"/>, read from its start to its end; otherwise as
    /// <see cref="PutObjectAsync(string, string, Stream, PutObjectOptions?, CancellationToken)"/>. The branch, path
    /// and options are checked before the file is opened.
    /// </summary>
    /// <exception cref="BranchNotFoundException">The branch does not exist.</exception>
    /// <exception cref="ObjectAlreadyExistsException"><see cref="PutObjectOptions.IfNoneMatch"/> was set and the branch shows an object at the path.</exception>
    /// <exception cref="InvalidMetadataException">The content type or metadata breaks the rules of <see cref="MetadataLimits"/>.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist (other <see cref="IOException"/>s as the OS reports them).</exception>
    public async Task<ObjectInfo> PutFileAsync(
        string branch, string path, string filePath, PutObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateRefName(branch, "branch");
        Names.ValidatePath(path);
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        if (options is not null)
        {
            MetadataLimits.ValidateObject(options.ContentType, options.Metadata);
        }
        using var file = FileReadStream.Open(filePath);
        return await PutObjectAsync(branch, path, file, options, cancellationToken).ConfigureAwait(false);
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
        await ThrowIfKnownProtectedAsync(branch, $"link '{path}' on", cancellationToken).ConfigureAwait(false);
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
        return await StageAsync(branch, path, key, entry, head, ownsData: false, $"link '{path}' on", cancellationToken).ConfigureAwait(false);
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
        var action = $"delete '{path}' on";
        await ThrowIfKnownProtectedAsync(branch, action, cancellationToken).ConfigureAwait(false);
        if (await GetEntryAsync(branch, key, cancellationToken).ConfigureAwait(false) is null)
        {
            throw await _refs.BranchExistsAsync(branch, cancellationToken).ConfigureAwait(false)
                ? new ObjectNotFoundException($"No object '{path}' on branch '{branch}'.")
                : await BranchNotFoundAsync(branch, cancellationToken).ConfigureAwait(false);
        }
        StageResult result;
        for (var refusals = 1; (result = await _refs.StageAsync(new StageRequest(branch, key, null), cancellationToken).ConfigureAwait(false)) == StageResult.Protected; refusals++)
        {
            // Refused inside the write: throws unless the rule went away since, in which case write again.
            await ThrowIfStillProtectedAsync(branch, action, refusals).ConfigureAwait(false);
        }
        if (result == StageResult.BranchNotFound)
        {
            throw await BranchNotFoundAsync(branch, cancellationToken).ConfigureAwait(false);
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
        return entry.ToObjectInfo(path);
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
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The overloads differ in their required parameters (a ref and a path, or an ObjectInfo) and share one optional tail (range, CancellationToken).")]
    public async Task<Stream> OpenReadAsync(string @ref, string path, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        var key = Names.ValidatePath(path);
        var entry = await GetEntryAsync(@ref, key, cancellationToken).ConfigureAwait(false)
            ?? throw new ObjectNotFoundException($"No object '{path}' on '{@ref}'.");
        return await OpenBytesAsync(entry.Address, entry.Source, entry.Size, entry.Checksum, path, $"'{path}' on '{@ref}'", range, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens the bytes of exactly the version <paramref name="info"/> describes (from <see cref="StatObjectAsync"/> or a
    /// listing), even if its path has been written or deleted since: what a server needs to answer a request with the
    /// version whose ETag and size it already sent. Verified like <see cref="OpenReadAsync(string, string, ByteRange?, CancellationToken)"/>.
    /// The bytes must still be there: garbage collection may remove a version no kept commit or staged change refers to
    /// once its grace period is over.
    /// </summary>
    /// <exception cref="ImportSourceNotFoundException">The object was imported from a source this repository was opened without.</exception>
    /// <exception cref="ImportedObjectMissingException">The imported object is gone from its source.</exception>
    /// <exception cref="CorruptDataException">The bytes are missing from the repository's store.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The overloads differ in their required parameters (a ref and a path, or an ObjectInfo) and share one optional tail (range, CancellationToken).")]
    public async Task<Stream> OpenReadAsync(ObjectInfo info, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        ArgumentNullException.ThrowIfNull(info);
        return await OpenBytesAsync(info.PhysicalAddress, info.ImportSource, info.Size, info.Checksum, info.Path, $"'{info.Path}' (version at '{info.PhysicalAddress}')", range, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// Opens the bytes at <paramref name="address"/> of the store <paramref name="source"/> names, verified against
    /// <paramref name="size"/> and <paramref name="checksum"/> when read whole; <paramref name="what"/> names the object in
    /// messages ("'a.csv' on 'main'").
    /// </summary>
    private async Task<Stream> OpenBytesAsync(
        string address, string? source, long size, string checksum, string path, string what, ByteRange? range, CancellationToken cancellationToken)
    {
        var store = StoreOf(source, what);
        var shown = ShowAddress(address, source);
        try
        {
            var stream = await store.OpenReadAsync(address, range, cancellationToken).ConfigureAwait(false);
            return range is null && _options.VerifyContentChecksums
                ? new VerifyingReadStream(stream, path, shown, size, checksum)
                : stream;
        }
        catch (StorageKeyNotFoundException e) when (source is not null)
        {
            throw new ImportedObjectMissingException(
                $"The bytes of {what} were imported from {shown}, which no longer has them (deleted or moved since the import). " +
                "Import the source again to bring the branch up to date.", e);
        }
        catch (StorageKeyNotFoundException e)
        {
            throw new CorruptDataException($"The bytes of {what} are missing from the object store (address '{address}').", e);
        }
    }

    /// <summary>The store that holds an entry's bytes: the repository's own, or the import source it names.</summary>
    private IObjectStore StoreOf(string? source, string what) =>
        string.IsNullOrEmpty(source) ? ObjectStore
        : _options.ImportSources.TryGetValue(source, out var store) ? store
        : throw new ImportSourceNotFoundException(
            $"{what} was imported from import source '{source}', which this repository was opened without. " +
            $"Register the same store as RepositoryOptions.ImportSources[\"{source}\"].");

    /// <summary>An address as messages show it: for an imported object, with its source.</summary>
    private static string ShowAddress(string address, string? source) => source switch
    {
        null => address,
        "" => $"'{address}' in the repository's own store",
        _ => $"'{address}' in import source '{source}'",
    };

    private Entry NewEntry(string address, long size, string checksum, PutObjectOptions options) =>
        new(address, size, checksum, options.ContentType ?? Entry.DefaultContentType,
            options.Metadata is { Count: > 0 } m ? new SortedDictionary<string, string>(m.ToDictionary(), StringComparer.Ordinal) : Entry.NoMetadata,
            _options.TimeProvider.GetUtcNow());

    /// <summary>Checks the branch exists and, for if-none-match, that nothing is there; returns the head checked against.</summary>
    private async Task<string?> CheckWritableAsync(string branch, byte[] key, bool ifNoneMatch, CancellationToken cancellationToken)
    {
        if (!ifNoneMatch)
        {
            if (!await _refs.BranchExistsAsync(branch, cancellationToken).ConfigureAwait(false))
            {
                throw await BranchNotFoundAsync(branch, cancellationToken).ConfigureAwait(false);
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

    /// <summary>
    /// Stages <paramref name="entry"/>; on failure deletes the data when <paramref name="ownsData"/> (it was written for
    /// this call). <paramref name="action"/> names the call in a protection refusal ("put 'a.csv' on").
    /// </summary>
    private async Task<ObjectInfo> StageAsync(
        string branch, string path, byte[] key, Entry entry, string? ifAbsentAtHead, bool ownsData, string action, CancellationToken cancellationToken)
    {
        var encoded = EntryCodec.Encode(entry);
        var refusals = 0;
        while (true)
        {
            // Not cancelled once the bytes are written: the staging write is short, and a cancelled one would orphan them.
            var result = await _refs.StageAsync(new StageRequest(branch, key, encoded, ifAbsentAtHead), CancellationToken.None).ConfigureAwait(false);
            if (result == StageResult.Staged)
            {
                return entry.ToObjectInfo(path);
            }
            if (result == StageResult.HeadMoved)
            {
                // A commit moved the head between our check and the write: check the committed side again.
                ifAbsentAtHead = await CheckWritableAsync(branch, key, true, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (result == StageResult.Protected)
            {
                try
                {
                    // Refused inside the write: throws unless the rule went away since, in which case write again.
                    await ThrowIfStillProtectedAsync(branch, action, ++refusals).ConfigureAwait(false);
                    continue;
                }
                catch (LakeFsException e) when (ownsData && e is ProtectedBranchException or ConflictException)
                {
                    await ObjectStore.DeleteAsync(entry.Address, CancellationToken.None).ConfigureAwait(false);
                    throw;
                }
            }
            if (ownsData)
            {
                await ObjectStore.DeleteAsync(entry.Address, CancellationToken.None).ConfigureAwait(false);
            }
            throw result == StageResult.BranchNotFound
                ? await BranchNotFoundAsync(branch, CancellationToken.None).ConfigureAwait(false)
                : new ObjectAlreadyExistsException($"An object '{path}' exists on branch '{branch}' already.");
        }
    }

    /// <summary>The entry a reader of <paramref name="ref"/> sees at <paramref name="key"/>, or null.</summary>
    private async ValueTask<Entry?> GetEntryAsync(string @ref, byte[] key, CancellationToken cancellationToken)
    {
        // The common case, a branch by name, in one ref-store lookup (branch and staged row together). A full commit id
        // wins over a branch in resolution, so it goes the long way; so does a name no branch has (a tag, an id prefix).
        if (RefExpression.IsPlainName(@ref) && !CommitId.IsFullId(@ref)
            && await _refs.TryGetStagedAsync(@ref, key, cancellationToken).ConfigureAwait(false) is { } lookup)
        {
            return await GetBranchEntryAsync(lookup, key, cancellationToken).ConfigureAwait(false);
        }
        var resolved = await ResolveAsync(@ref, cancellationToken).ConfigureAwait(false);
        if (resolved.Branch is { } branch)
        {
            return (await GetBranchEntryAsync(branch, key, cancellationToken).ConfigureAwait(false)).Entry;
        }
        var commit = resolved.Commit ?? await ReadCommitAsync(resolved.CommitId, cancellationToken).ConfigureAwait(false);
        return await GetCommittedEntryAsync(commit.MetaRangeId, key, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The branch's head and its view of <paramref name="key"/>: staged first, then committed at that head.</summary>
    private async ValueTask<(string Head, Entry? Entry)> GetBranchEntryAsync(string branchName, byte[] key, CancellationToken cancellationToken)
    {
        var staged = await _refs.GetStagedAsync(branchName, key, cancellationToken).ConfigureAwait(false);
        return (staged.Branch.Head, await GetBranchEntryAsync(staged, key, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The entry a branch shows at <paramref name="key"/>: the staged row when there is one, else its head's.</summary>
    private async ValueTask<Entry?> GetBranchEntryAsync(StagedLookup staged, byte[] key, CancellationToken cancellationToken)
    {
        if (staged.Found)
        {
            return staged.Entry is null ? null : EntryCodec.Decode(staged.Entry);
        }
        var commit = await ReadCommitAsync(staged.Branch.Head, cancellationToken).ConfigureAwait(false);
        return await GetCommittedEntryAsync(commit.MetaRangeId, key, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<Entry?> GetCommittedEntryAsync(string metaRangeId, byte[] key, CancellationToken cancellationToken) =>
        await _trees.GetEntryAsync(await _trees.GetMetaRangeAsync(metaRangeId, cancellationToken).ConfigureAwait(false), key, cancellationToken).ConfigureAwait(false);
}
