using System.Buffers;
using System.Runtime.CompilerServices;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace LakeFs.Storage.S3;

/// <summary>
/// An <see cref="IObjectStore"/> over an Amazon S3 bucket (or any S3-compatible service), below a key prefix.
/// Large objects go up as multipart uploads, one part in memory at a time; ranged reads are HTTP range requests.
/// The adapter does not retry: wrap it in <see cref="RetryingObjectStore"/>.
/// </summary>
public sealed class S3ObjectStore : IObjectStore, IDisposable
{
    private readonly IAmazonS3 _client;
    private readonly bool _ownsClient;
    private readonly string _bucket;
    private readonly string _root;
    private readonly S3ObjectStoreOptions _options;

    /// <summary>Creates a store over <paramref name="bucket"/>, keeping every key under <paramref name="prefix"/>. The caller owns <paramref name="client"/>.</summary>
    public S3ObjectStore(IAmazonS3 client, string bucket, string prefix = "", S3ObjectStoreOptions? options = null)
        : this(client, ownsClient: false, bucket, prefix, options)
    {
    }

    private S3ObjectStore(IAmazonS3 client, bool ownsClient, string bucket, string prefix, S3ObjectStoreOptions? options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        _options = options ?? new S3ObjectStoreOptions();
        if (_options.PartSize < S3ObjectStoreOptions.MinPartSize)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"PartSize must be at least {S3ObjectStoreOptions.MinPartSize} bytes.");
        }
        _client = client;
        _ownsClient = ownsClient;
        _bucket = bucket;
        _root = CloudLocation.NormalizePrefix(prefix);
    }

    /// <summary>The bucket.</summary>
    public string Bucket => _bucket;

    /// <summary>The key prefix every key is stored under ("" or ending in '/').</summary>
    public string Prefix => _root;

    /// <summary>Creates a store from a location <c>s3://bucket/prefix</c> over a client the caller owns.</summary>
    public static S3ObjectStore FromUri(string location, IAmazonS3 client, S3ObjectStoreOptions? options = null)
    {
        var parsed = CloudLocation.Parse(location, "s3");
        return new S3ObjectStore(client, parsed.Container, parsed.Prefix, options);
    }

    /// <summary>
    /// Creates a store from a location <c>s3://bucket/prefix</c>, building (and owning) a client with the default
    /// options: the SDK's default region and credential chain. The SDK's own retries are off: wrap the store in <see cref="RetryingObjectStore"/>.
    /// </summary>
    public static S3ObjectStore FromUri(string location) => FromUri(location, new S3ObjectStoreOptions());

    /// <summary>
    /// Creates a store from a location <c>s3://bucket/prefix</c>, building (and owning) a client from the options'
    /// <see cref="S3ObjectStoreOptions.ServiceUrl"/>, <see cref="S3ObjectStoreOptions.Region"/> and
    /// <see cref="S3ObjectStoreOptions.Credentials"/>. The SDK's own retries are off: wrap the store in <see cref="RetryingObjectStore"/>.
    /// </summary>
    public static S3ObjectStore FromUri(string location, S3ObjectStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = new AmazonS3Config { ForcePathStyle = options.ForcePathStyle, MaxErrorRetry = 0 };
        if (options.ServiceUrl is not null)
        {
            config.ServiceURL = options.ServiceUrl.ToString();
            config.AuthenticationRegion = options.Region ?? "us-east-1";
        }
        else if (options.Region is not null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }
        var client = options.Credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(options.Credentials, config);
        var parsed = CloudLocation.Parse(location, "s3");
        return new S3ObjectStore(client, ownsClient: true, parsed.Container, parsed.Prefix, options);
    }

    /// <inheritdoc />
    public async Task<ObjectStat> PutAsync(string key, Stream content, PutOptions? options = null, CancellationToken cancellationToken = default)
    {
        StorageKeys.Validate(key);
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(content);
        bool conditional = options?.IfNoneMatch == true;
        var pool = ArrayPool<byte>.Shared;
        var current = pool.Rent(_options.PartSize);
        byte[]? next = null;
        try
        {
            int currentLength = await StreamChunks.FillAsync(content, current.AsMemory(0, _options.PartSize), cancellationToken).ConfigureAwait(false);
            if (currentLength == _options.PartSize)
            {
                next = pool.Rent(_options.PartSize);
                int nextLength = await StreamChunks.FillAsync(content, next.AsMemory(0, _options.PartSize), cancellationToken).ConfigureAwait(false);
                if (nextLength > 0)
                {
                    return await PutMultipartAsync(key, content, conditional, current, next, nextLength, cancellationToken).ConfigureAwait(false);
                }
            }
            var request = new PutObjectRequest
            {
                BucketName = _bucket,
                Key = _root + key,
                InputStream = new MemoryStream(current, 0, currentLength, writable: false),
                AutoCloseStream = true,
                UseChunkEncoding = _options.UseChunkEncoding,
            };
            if (conditional)
            {
                request.IfNoneMatch = "*";
            }
            PutObjectResponse response;
            try
            {
                response = await _client.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (S3Errors.Map(e, key, conditional, cancellationToken) is { } mapped)
            {
                throw mapped;
            }
            if (_options.VerifyUploadETags && S3Checksums.Mismatch(key, current.AsSpan(0, currentLength), response.ETag, response.ServerSideEncryptionMethod, response.ServerSideEncryptionCustomerMethod?.Value, _options.UseChunkEncoding) is { } mismatch)
            {
                await DeleteQuietlyAsync(key).ConfigureAwait(false);
                throw mismatch;
            }
            return new ObjectStat
            {
                Key = key,
                Size = currentLength,
                LastModified = _options.TimeProvider.GetUtcNow(),
                ETag = response.ETag,
            };
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

    private async Task<ObjectStat> PutMultipartAsync(
        string key, Stream content, bool conditional, byte[] first, byte[] second, int secondLength, CancellationToken cancellationToken)
    {
        string? uploadId = null;
        try
        {
            var initiated = await _client.InitiateMultipartUploadAsync(
                new InitiateMultipartUploadRequest { BucketName = _bucket, Key = _root + key }, cancellationToken).ConfigureAwait(false);
            uploadId = initiated.UploadId;
            var parts = new List<PartETag>();
            long size = 0;
            byte[] ready = first;
            int readyLength = _options.PartSize;
            byte[] spare = second;
            int spareLength = secondLength;
            while (true)
            {
                parts.Add(await UploadPartAsync(key, uploadId, parts.Count + 1, ready, readyLength, cancellationToken).ConfigureAwait(false));
                size += readyLength;
                if (spareLength == 0)
                {
                    break;
                }
                (ready, spare) = (spare, ready);
                readyLength = spareLength;
                spareLength = readyLength == _options.PartSize
                    ? await StreamChunks.FillAsync(content, spare.AsMemory(0, _options.PartSize), cancellationToken).ConfigureAwait(false)
                    : 0;
            }
            var complete = new CompleteMultipartUploadRequest { BucketName = _bucket, Key = _root + key, UploadId = uploadId, PartETags = parts };
            if (conditional)
            {
                complete.IfNoneMatch = "*";
            }
            var response = await _client.CompleteMultipartUploadAsync(complete, cancellationToken).ConfigureAwait(false);
            uploadId = null;
            return new ObjectStat
            {
                Key = key,
                Size = size,
                LastModified = _options.TimeProvider.GetUtcNow(),
                ETag = response.ETag,
            };
        }
        catch (Exception e) when (S3Errors.Map(e, key, conditional, cancellationToken) is { } mapped)
        {
            throw mapped;
        }
        finally
        {
            if (uploadId is not null)
            {
                await AbortQuietlyAsync(key, uploadId).ConfigureAwait(false);
            }
        }
    }

    private async Task<PartETag> UploadPartAsync(string key, string uploadId, int partNumber, byte[] buffer, int length, CancellationToken cancellationToken)
    {
        var response = await _client.UploadPartAsync(new UploadPartRequest
        {
            BucketName = _bucket,
            Key = _root + key,
            UploadId = uploadId,
            PartNumber = partNumber,
            InputStream = new MemoryStream(buffer, 0, length, writable: false),
            PartSize = length,
            UseChunkEncoding = _options.UseChunkEncoding,
        }, cancellationToken).ConfigureAwait(false);
        // A mismatch ends the upload; the caller's finally aborts it, so no part is kept.
        if (_options.VerifyUploadETags && S3Checksums.Mismatch(key, buffer.AsSpan(0, length), response.ETag, response.ServerSideEncryptionMethod, response.SSECustomerAlgorithm, _options.UseChunkEncoding) is { } mismatch)
        {
            throw mismatch;
        }
        return new PartETag(partNumber, response.ETag);
    }

    private async Task DeleteQuietlyAsync(string key)
    {
        try
        {
            await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = _root + key }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (AmazonServiceException)
        {
            // The mismatch is the failure worth reporting; a failed clean-up leaves an object no entry points at.
        }
        catch (HttpRequestException)
        {
            // Same.
        }
    }

    private async Task AbortQuietlyAsync(string key, string uploadId)
    {
        try
        {
            await _client.AbortMultipartUploadAsync(
                new AbortMultipartUploadRequest { BucketName = _bucket, Key = _root + key, UploadId = uploadId }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (AmazonServiceException)
        {
            // The upload failed already; an abandoned upload is removed by the bucket's lifecycle rules.
        }
        catch (HttpRequestException)
        {
            // Same: the original failure is the one worth reporting.
        }
    }

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        StorageKeys.Validate(key);
        cancellationToken.ThrowIfCancellationRequested();
        if (range is { Length: 0 })
        {
            return await EmptyIfExistsAsync(key, cancellationToken).ConfigureAwait(false);
        }
        var request = new GetObjectRequest { BucketName = _bucket, Key = _root + key };
        if (range is { } r)
        {
            request.ByteRange = r.Length is { } length
                ? new Amazon.S3.Model.ByteRange(r.Offset, r.Offset + length - 1)
                : new Amazon.S3.Model.ByteRange($"bytes={r.Offset}-");
        }
        try
        {
            var response = await _client.GetObjectAsync(request, cancellationToken).ConfigureAwait(false);
            return response.ResponseStream;
        }
        catch (AmazonS3Exception e) when (range is not null && S3Errors.IsInvalidRange(e))
        {
            // The range starts at or past the end: the port cuts it at the end.
            return new MemoryStream([], writable: false);
        }
        catch (Exception e) when (S3Errors.Map(e, key, conditional: false, cancellationToken) is { } mapped)
        {
            throw mapped;
        }
    }

    private async Task<Stream> EmptyIfExistsAsync(string key, CancellationToken cancellationToken)
    {
        if (await StatAsync(key, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new StorageKeyNotFoundException($"No object has the key '{key}'.");
        }
        return new MemoryStream([], writable: false);
    }

    /// <inheritdoc />
    public async Task<ObjectStat?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        StorageKeys.Validate(key);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var response = await _client.GetObjectMetadataAsync(
                new GetObjectMetadataRequest { BucketName = _bucket, Key = _root + key }, cancellationToken).ConfigureAwait(false);
            return new ObjectStat
            {
                Key = key,
                Size = response.ContentLength,
                LastModified = ToOffset(response.LastModified),
                ETag = response.ETag,
            };
        }
        catch (AmazonS3Exception e) when (S3Errors.IsNotFound(e))
        {
            return null;
        }
        catch (Exception e) when (S3Errors.Map(e, key, conditional: false, cancellationToken) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ObjectStat> ListAsync(string prefix, string? startAfter = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        StorageKeys.ValidatePrefix(prefix);
        var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = _root + prefix };
        if (startAfter is not null)
        {
            request.StartAfter = _root + startAfter;
        }
        await foreach (var page in ListPagesAsync(request, prefix, cancellationToken).ConfigureAwait(false))
        {
            foreach (var item in page.S3Objects ?? [])
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return new ObjectStat
                {
                    Key = item.Key[_root.Length..],
                    Size = item.Size ?? 0,
                    LastModified = ToOffset(item.LastModified),
                    ETag = item.ETag,
                };
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>One ListObjectsV2 call per page of folders, by delimiter.</remarks>
    public async IAsyncEnumerable<string> ListFoldersAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        StorageKeys.ValidateFolderPrefix(prefix);
        var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = _root + prefix, Delimiter = "/" };
        await foreach (var page in ListPagesAsync(request, prefix, cancellationToken).ConfigureAwait(false))
        {
            foreach (var folder in page.CommonPrefixes ?? [])
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return folder[_root.Length..];
            }
        }
    }

    /// <summary>The pages of a ListObjectsV2 request, following continuation tokens, with errors mapped for <paramref name="prefix"/>.</summary>
    private async IAsyncEnumerable<ListObjectsV2Response> ListPagesAsync(ListObjectsV2Request request, string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        while (true)
        {
            ListObjectsV2Response response;
            try
            {
                response = await _client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (S3Errors.Map(e, prefix, conditional: false, cancellationToken) is { } mapped)
            {
                throw mapped;
            }
            yield return response;
            if (response.IsTruncated != true || string.IsNullOrEmpty(response.NextContinuationToken))
            {
                yield break;
            }
            request.ContinuationToken = response.NextContinuationToken;
        }
    }

    /// <inheritdoc />
    /// <remarks>DeleteObjects, a thousand keys a request. A key the service could not delete fails the call, naming it.</remarks>
    public async Task DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        foreach (var key in keys)
        {
            StorageKeys.Validate(key);
        }
        foreach (var chunk in keys.Chunk(1000))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var request = new DeleteObjectsRequest
            {
                BucketName = _bucket,
                Objects = [.. chunk.Select(key => new KeyVersion { Key = _root + key })],
                Quiet = true,
            };
            DeleteObjectsResponse response;
            try
            {
                response = await _client.DeleteObjectsAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (DeleteObjectsException e)
            {
                response = e.Response;
            }
            catch (Exception e) when (S3Errors.Map(e, chunk[0], conditional: false, cancellationToken) is { } mapped)
            {
                throw mapped;
            }
            if (response.DeleteErrors is { Count: > 0 } errors)
            {
                var first = errors[0];
                var message = $"S3 could not delete {errors.Count} of {chunk.Length} keys, '{first.Key[_root.Length..]}' first ({first.Code}: {first.Message}).";
                throw errors.All(error => S3Errors.IsTransientCode(error.Code)) ? new TransientStorageException(message) : new StorageException(message);
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>S3 does not say whether a delete removed anything, so this asks first; the answer can race a concurrent writer.</remarks>
    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        if (await StatAsync(key, cancellationToken).ConfigureAwait(false) is null)
        {
            return false;
        }
        try
        {
            await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = _root + key }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AmazonS3Exception e) when (S3Errors.IsNotFound(e))
        {
            return false;
        }
        catch (Exception e) when (S3Errors.Map(e, key, conditional: false, cancellationToken) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <summary>Disposes the client when this store built it.</summary>
    public void Dispose()
    {
        if (_ownsClient)
        {
            _client.Dispose();
        }
    }

    private static DateTimeOffset ToOffset(DateTime? time) => time is { } t
        ? new DateTimeOffset(t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime())
        : DateTimeOffset.MinValue;
}
