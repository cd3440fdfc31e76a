using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace LakeFs.Storage.Azure;

/// <summary>
/// An <see cref="IObjectStore"/> over an Azure Blob Storage container, below a key prefix. Large objects go up as
/// staged blocks, one block in memory at a time; ranged reads are HTTP range requests.
/// The adapter does not retry: wrap it in <see cref="RetryingObjectStore"/>.
/// </summary>
public sealed class AzureBlobObjectStore : IObjectStore
{
    private readonly BlobContainerClient _container;
    private readonly string _root;
    private readonly AzureBlobObjectStoreOptions _options;

    /// <summary>Creates a store over <paramref name="container"/>, keeping every key under <paramref name="prefix"/>.</summary>
    public AzureBlobObjectStore(BlobContainerClient container, string prefix = "", AzureBlobObjectStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(container);
        _options = options ?? new AzureBlobObjectStoreOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.BlockSize, 1, nameof(options));
        _container = container;
        _root = CloudLocation.NormalizePrefix(prefix);
    }

    /// <summary>The container.</summary>
    public BlobContainerClient Container => _container;

    /// <summary>The key prefix every key is stored under ("" or ending in '/').</summary>
    public string Prefix => _root;

    /// <summary>Creates a store from a location <c>az://container/prefix</c> in the account of <paramref name="service"/>.</summary>
    public static AzureBlobObjectStore FromUri(string location, BlobServiceClient service) => FromUri(location, service, new AzureBlobObjectStoreOptions());

    /// <summary>Creates a store from a location <c>az://container/prefix</c> in the account of <paramref name="service"/>, with the given options.</summary>
    public static AzureBlobObjectStore FromUri(string location, BlobServiceClient service, AzureBlobObjectStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(options);
        var parsed = CloudLocation.Parse(location, "az");
        return new AzureBlobObjectStore(service.GetBlobContainerClient(parsed.Container), parsed.Prefix, options);
    }

    /// <summary>
    /// Creates a store from a location <c>az://container/prefix</c> in the account a connection string names.
    /// The SDK's own retries are off: wrap the store in <see cref="RetryingObjectStore"/>.
    /// </summary>
    public static AzureBlobObjectStore FromUri(string location, string connectionString) => FromUri(location, connectionString, new AzureBlobObjectStoreOptions());

    /// <summary>
    /// Creates a store from a location <c>az://container/prefix</c> in the account a connection string names, with the
    /// given options. The SDK's own retries are off: wrap the store in <see cref="RetryingObjectStore"/>.
    /// </summary>
    public static AzureBlobObjectStore FromUri(string location, string connectionString, AzureBlobObjectStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        var clientOptions = new BlobClientOptions();
        clientOptions.Retry.MaxRetries = 0;
        return FromUri(location, new BlobServiceClient(connectionString, clientOptions), options);
    }

    /// <inheritdoc />
    public async Task<ObjectStat> PutAsync(string key, Stream content, PutOptions? options = null, CancellationToken cancellationToken = default)
    {
        StorageKeys.Validate(key);
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(content);
        bool conditional = options?.IfNoneMatch == true;
        var conditions = conditional ? new BlobRequestConditions { IfNoneMatch = ETag.All } : null;
        var blob = _container.GetBlockBlobClient(_root + key);
        var pool = ArrayPool<byte>.Shared;
        int blockSize = _options.BlockSize;
        var current = pool.Rent(blockSize);
        byte[]? next = null;
        try
        {
            int currentLength = await StreamChunks.FillAsync(content, current.AsMemory(0, blockSize), cancellationToken).ConfigureAwait(false);
            int nextLength = 0;
            if (currentLength == blockSize)
            {
                next = pool.Rent(blockSize);
                nextLength = await StreamChunks.FillAsync(content, next.AsMemory(0, blockSize), cancellationToken).ConfigureAwait(false);
            }
            Response<BlobContentInfo> info;
            long size;
            if (nextLength == 0)
            {
                using var body = new MemoryStream(current, 0, currentLength, writable: false);
                info = await blob.UploadAsync(body, new BlobUploadOptions { Conditions = conditions }, cancellationToken).ConfigureAwait(false);
                size = currentLength;
                if (AzureChecksums.Mismatch(key, current.AsSpan(0, currentLength), info.Value.ContentHash) is { } mismatch)
                {
                    await DeleteQuietlyAsync(blob).ConfigureAwait(false);
                    throw mismatch;
                }
            }
            else
            {
                (info, size) = await PutBlocksAsync(key, blob, content, conditions, current, next!, nextLength, cancellationToken).ConfigureAwait(false);
            }
            return new ObjectStat
            {
                Key = key,
                Size = size,
                LastModified = info.Value.LastModified,
                ETag = info.Value.ETag.ToString(),
            };
        }
        catch (Exception e) when (AzureErrors.Map(e, key, conditional, cancellationToken) is { } mapped)
        {
            throw mapped;
        }
        finally
        {
            pool.Return(current);
            if (next is not null)
            {
                pool.Return(next);
            }
        }
    }

    private async Task<(Response<BlobContentInfo> Info, long Size)> PutBlocksAsync(
        string key, BlockBlobClient blob, Stream content, BlobRequestConditions? conditions, byte[] first, byte[] second, int secondLength, CancellationToken cancellationToken)
    {
        // Block ids must have one length per blob; a fresh upload id keeps concurrent uploads of a key apart.
        var uploadId = Guid.NewGuid().ToString("N");
        var ids = new List<string>();
        long size = 0;
        byte[] ready = first;
        int readyLength = _options.BlockSize;
        byte[] spare = second;
        int spareLength = secondLength;
        while (true)
        {
            var id = Convert.ToBase64String(Encoding.ASCII.GetBytes($"{uploadId}-{ids.Count:D6}"));
            using (var body = new MemoryStream(ready, 0, readyLength, writable: false))
            {
                var staged = await blob.StageBlockAsync(id, body, cancellationToken: cancellationToken).ConfigureAwait(false);
                // An uncommitted block is dropped by the service, so a mismatch here leaves nothing behind.
                if (AzureChecksums.Mismatch(key, ready.AsSpan(0, readyLength), staged.Value.ContentHash) is { } mismatch)
                {
                    throw mismatch;
                }
            }
            ids.Add(id);
            size += readyLength;
            if (spareLength == 0)
            {
                break;
            }
            (ready, spare) = (spare, ready);
            readyLength = spareLength;
            spareLength = readyLength == _options.BlockSize
                ? await StreamChunks.FillAsync(content, spare.AsMemory(0, _options.BlockSize), cancellationToken).ConfigureAwait(false)
                : 0;
        }
        var info = await blob.CommitBlockListAsync(ids, new CommitBlockListOptions { Conditions = conditions }, cancellationToken).ConfigureAwait(false);
        return (info, size);
    }

    private static async Task DeleteQuietlyAsync(BlockBlobClient blob)
    {
        try
        {
            await blob.DeleteIfExistsAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
        catch (RequestFailedException)
        {
            // The mismatch is the failure worth reporting; a failed clean-up leaves a blob no entry points at.
        }
    }

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        StorageKeys.Validate(key);
        cancellationToken.ThrowIfCancellationRequested();
        var blob = _container.GetBlobClient(_root + key);
        try
        {
            if (range is { Length: 0 })
            {
                await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                return new MemoryStream([], writable: false);
            }
            var download = new BlobDownloadOptions();
            if (range is { } r)
            {
                download.Range = new HttpRange(r.Offset, r.Length);
            }
            var response = await blob.DownloadStreamingAsync(download, cancellationToken).ConfigureAwait(false);
            return response.Value.Content;
        }
        catch (RequestFailedException e) when (e.Status == 416 && range is not null)
        {
            // The range starts at or past the end: the port cuts it at the end.
            return new MemoryStream([], writable: false);
        }
        catch (Exception e) when (AzureErrors.Map(e, key, conditional: false, cancellationToken) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <inheritdoc />
    public async Task<ObjectStat?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        StorageKeys.Validate(key);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var properties = await _container.GetBlobClient(_root + key).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return new ObjectStat
            {
                Key = key,
                Size = properties.Value.ContentLength,
                LastModified = properties.Value.LastModified,
                ETag = properties.Value.ETag.ToString(),
            };
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
        catch (Exception e) when (AzureErrors.Map(e, key, conditional: false, cancellationToken) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ObjectStat> ListAsync(string prefix, string? startAfter = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        StorageKeys.ValidatePrefix(prefix);
        cancellationToken.ThrowIfCancellationRequested();
        var options = new GetBlobsOptions { Prefix = _root + prefix };
        if (startAfter is not null && _options.ListFromStartAfter && StorageKeys.Compare(startAfter, prefix) > 0)
        {
            options.StartFrom = _root + startAfter;
        }
        var items = SdkListing.ListAsync(
            _container.GetBlobsAsync(options, cancellationToken),
            _root.Length,
            startAfter,
            item => item.Name,
            (key, item) => new ObjectStat
            {
                Key = key,
                Size = item.Properties.ContentLength ?? 0,
                LastModified = item.Properties.LastModified ?? DateTimeOffset.MinValue,
                ETag = item.Properties.ETag?.ToString(),
            },
            e => AzureErrors.Map(e, prefix, conditional: false, cancellationToken),
            cancellationToken);
        await foreach (var stat in items.ConfigureAwait(false))
        {
            yield return stat;
        }
    }

    /// <inheritdoc />
    /// <remarks>One hierarchy listing, by delimiter.</remarks>
    public async IAsyncEnumerable<string> ListFoldersAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        StorageKeys.ValidateFolderPrefix(prefix);
        cancellationToken.ThrowIfCancellationRequested();
        var items = _container.GetBlobsByHierarchyAsync(new GetBlobsByHierarchyOptions { Prefix = _root + prefix, Delimiter = "/" }, cancellationToken);
        var enumerator = items.GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                try
                {
                    if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }
                }
                catch (Exception e) when (AzureErrors.Map(e, prefix, conditional: false, cancellationToken) is { } mapped)
                {
                    throw mapped;
                }
                if (enumerator.Current.IsPrefix)
                {
                    yield return enumerator.Current.Prefix[_root.Length..];
                }
            }
        }
        finally
        {
            await enumerator.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        StorageKeys.Validate(key);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var response = await _container.GetBlobClient(_root + key).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return response.Value;
        }
        catch (Exception e) when (AzureErrors.Map(e, key, conditional: false, cancellationToken) is { } mapped)
        {
            throw mapped;
        }
    }
}
