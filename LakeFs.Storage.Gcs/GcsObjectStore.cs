using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Google;
using Google.Cloud.Storage.V1;

namespace LakeFs.Storage.Gcs;

/// <summary>
/// An <see cref="IObjectStore"/> over a Google Cloud Storage bucket, below a key prefix. Uploads are resumable uploads in
/// chunks of <see cref="GcsObjectStoreOptions.ChunkSize"/>; reads stream the media response, ranged reads send a Range header.
/// The SDK's retries are switched off per call: wrap the store in <see cref="RetryingObjectStore"/>.
/// </summary>
public sealed class GcsObjectStore : IObjectStore, IDisposable
{
    private readonly StorageClient _client;
    private readonly bool _ownsClient;
    private readonly string _bucket;
    private readonly string _root;
    private readonly GcsObjectStoreOptions _options;

    /// <summary>Creates a store over <paramref name="bucket"/>, keeping every key under <paramref name="prefix"/>. The caller owns <paramref name="client"/>.</summary>
    public GcsObjectStore(StorageClient client, string bucket, string prefix = "", GcsObjectStoreOptions? options = null)
        : this(client, ownsClient: false, bucket, prefix, options)
    {
    }

    private GcsObjectStore(StorageClient client, bool ownsClient, string bucket, string prefix, GcsObjectStoreOptions? options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        _options = options ?? new GcsObjectStoreOptions();
        if (_options.ChunkSize <= 0 || _options.ChunkSize % UploadObjectOptions.MinimumChunkSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"ChunkSize must be a positive multiple of {UploadObjectOptions.MinimumChunkSize} bytes.");
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

    /// <summary>Creates a store from a location <c>gs://bucket/prefix</c> over a client the caller owns.</summary>
    public static GcsObjectStore FromUri(string location, StorageClient client, GcsObjectStoreOptions? options = null)
    {
        var parsed = CloudLocation.Parse(location, "gs");
        return new GcsObjectStore(client, parsed.Container, parsed.Prefix, options);
    }

    /// <summary>Creates a store from a location <c>gs://bucket/prefix</c> with a client (which it owns) on Application Default Credentials.</summary>
    public static GcsObjectStore FromUri(string location) => FromUri(location, new GcsObjectStoreOptions());

    /// <summary>
    /// Creates a store from a location <c>gs://bucket/prefix</c> with a client (which it owns) on Application Default
    /// Credentials, and the given options.
    /// </summary>
    public static GcsObjectStore FromUri(string location, GcsObjectStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var parsed = CloudLocation.Parse(location, "gs");
        return new GcsObjectStore(StorageClient.Create(), ownsClient: true, parsed.Container, parsed.Prefix, options);
    }

    /// <summary>Disposes the client when this store built it.</summary>
    public void Dispose()
    {
        if (_ownsClient)
        {
            _client.Dispose();
        }
    }

    /// <inheritdoc />
    public async Task<ObjectStat> PutAsync(string key, Stream content, PutOptions? options = null, CancellationToken cancellationToken = default)
    {
        StorageKeys.Validate(key);
        cancellationToken.ThrowIfCancellationRequested();
        ArgumentNullException.ThrowIfNull(content);
        bool conditional = options?.IfNoneMatch == true;
        var upload = new UploadObjectOptions { ChunkSize = _options.ChunkSize };
        if (conditional)
        {
            upload.IfGenerationMatch = 0;
        }
        try
        {
            var source = content.CanSeek && content.Position != 0 ? new RemainderStream(content) : content;
            var written = await _client.UploadObjectAsync(_bucket, _root + key, null, source, upload, cancellationToken).ConfigureAwait(false);
            return ToStat(key, written);
        }
        catch (Exception e) when (GcsErrors.Map(e, key, conditional, cancellationToken) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        StorageKeys.Validate(key);
        cancellationToken.ThrowIfCancellationRequested();
        if (range is { Length: 0 })
        {
            return await StatAsync(key, cancellationToken).ConfigureAwait(false) is null
                ? throw new StorageKeyNotFoundException($"No object has the key '{key}'.")
                : new MemoryStream([], writable: false);
        }
        // StorageClient only downloads into a caller's stream; the media GET through the client's own authenticated
        // HttpClient hands the response body to the reader instead, so nothing is buffered.
        var service = _client.Service;
        var uri = new Uri($"{service.BaseUri}b/{Uri.EscapeDataString(_bucket)}/o/{Uri.EscapeDataString(_root + key)}?alt=media");
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (range is { } r)
        {
            request.Headers.Range = new RangeHeaderValue(r.Offset, r.Length is { } length ? r.Offset + length - 1 : null);
        }
        HttpResponseMessage? response = null;
        try
        {
            response = await service.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK or HttpStatusCode.PartialContent:
                    var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                    response = null;
                    return body;
                case HttpStatusCode.RequestedRangeNotSatisfiable when range is not null:
                    // The range starts at or past the end: the port cuts it at the end.
                    return new MemoryStream([], writable: false);
                case HttpStatusCode.NotFound:
                    throw new StorageKeyNotFoundException($"No object has the key '{key}'.");
                case var status when GcsErrors.IsTransient(status):
                    throw new TransientStorageException($"GCS request for '{key}' failed ({(int)status}); it may succeed when retried.");
                case var status:
                    throw new StorageException($"GCS request for '{key}' failed ({(int)status}).");
            }
        }
        catch (Exception e) when (e is not StorageException && GcsErrors.Map(e, key, conditional: false, cancellationToken) is { } mapped)
        {
            throw mapped;
        }
        finally
        {
            response?.Dispose();
        }
    }

    /// <inheritdoc />
    public async Task<ObjectStat?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        StorageKeys.Validate(key);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var found = await _client.GetObjectAsync(_bucket, _root + key, new GetObjectOptions { RetryOptions = RetryOptions.Never }, cancellationToken).ConfigureAwait(false);
            return ToStat(key, found);
        }
        catch (GoogleApiException e) when (e.HttpStatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (Exception e) when (GcsErrors.Map(e, key, conditional: false, cancellationToken) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ObjectStat> ListAsync(string prefix, string? startAfter = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        StorageKeys.ValidatePrefix(prefix);
        cancellationToken.ThrowIfCancellationRequested();
        var options = new ListObjectsOptions { RetryOptions = RetryOptions.Never };
        if (startAfter is not null && StorageKeys.Compare(startAfter, prefix) > 0)
        {
            // startOffset is inclusive; the key equal to startAfter is skipped below.
            options.StartOffset = _root + startAfter;
        }
        var items = SdkListing.ListAsync(
            _client.ListObjectsAsync(_bucket, _root + prefix, options),
            _root.Length,
            startAfter,
            item => item.Name,
            ToStat,
            e => GcsErrors.Map(e, prefix, conditional: false, cancellationToken),
            cancellationToken);
        await foreach (var stat in items.ConfigureAwait(false))
        {
            yield return stat;
        }
    }

    /// <inheritdoc />
    /// <remarks>One listing call per page of folders, by delimiter.</remarks>
    public async IAsyncEnumerable<string> ListFoldersAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        StorageKeys.ValidateFolderPrefix(prefix);
        cancellationToken.ThrowIfCancellationRequested();
        var pages = _client.ListObjectsAsync(_bucket, _root + prefix, new ListObjectsOptions { Delimiter = "/", RetryOptions = RetryOptions.Never })
            .AsRawResponses().GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                try
                {
                    if (!await pages.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }
                }
                catch (Exception e) when (GcsErrors.Map(e, prefix, conditional: false, cancellationToken) is { } mapped)
                {
                    throw mapped;
                }
                foreach (var folder in pages.Current.Prefixes ?? [])
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    yield return folder[_root.Length..];
                }
            }
        }
        finally
        {
            await pages.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        StorageKeys.Validate(key);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            await _client.DeleteObjectAsync(_bucket, _root + key, new DeleteObjectOptions { RetryOptions = RetryOptions.Never }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (GoogleApiException e) when (e.HttpStatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        catch (Exception e) when (GcsErrors.Map(e, key, conditional: false, cancellationToken) is { } mapped)
        {
            throw mapped;
        }
    }

    private static ObjectStat ToStat(string key, Google.Apis.Storage.v1.Data.Object item) =>
        new()
        {
            Key = key,
            Size = (long)(item.Size ?? 0),
            LastModified = item.UpdatedDateTimeOffset ?? item.TimeCreatedDateTimeOffset ?? DateTimeOffset.MinValue,
            ETag = item.ETag,
        };
}
