using LakeFs.Core;
using LakeFs.Gateway.Auth;
using LakeFs.Gateway.Operations;
using LakeFs.Gateway.Protocol;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LakeFs.Gateway;

/// <summary>
/// Serves one request: reads the address, verifies the signature, picks the operation from method, key and query,
/// and answers every failure with S3 error XML. Nothing a client sends escapes as an unhandled exception.
/// </summary>
internal sealed class S3Gateway
{
    /// <summary>The largest body a single request may send (S3's limit for one PutObject or one part).</summary>
    private const long MaxObjectBytes = 5L * 1024 * 1024 * 1024;

    private readonly Dictionary<string, Repository> _repositories;
    private readonly SignatureV4 _signatures;
    private readonly string? _virtualHostDomain;
    private readonly ObjectOperations _objects;
    private readonly BucketOperations _buckets;
    private readonly MultipartOperations _multipart;
    private readonly ILogger _logger;

    public S3Gateway(S3GatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.AccessKeys.Count == 0)
        {
            throw new ArgumentException("Configure at least one access key: the gateway refuses unsigned requests.", nameof(options));
        }
        _repositories = new Dictionary<string, Repository>(options.Repositories, StringComparer.Ordinal);
        _signatures = new SignatureV4(options.AccessKeys, options.TimeProvider, options.MaxClockSkew);
        _virtualHostDomain = options.VirtualHostDomain;
        var writer = new ObjectWriter(options.DurableWrites);
        _logger = options.Logger ?? NullLogger.Instance;
        _objects = new ObjectOperations(writer, Repository);
        _buckets = new BucketOperations(_repositories, options.TimeProvider.GetUtcNow());
        _multipart = new MultipartOperations(writer, Repository, options.TimeProvider, options.MultipartUploadExpiry, _logger);
    }

    public async Task HandleAsync(HttpContext context)
    {
        var resource = context.Request.Path.Value ?? "/";
        var write = !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method);
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = MaxObjectBytes;
        }
        try
        {
            var request = S3Request.Parse(context, _virtualHostDomain);
            var signing = _signatures.Verify(context.Request, request);
            var body = ChecksumStream.Wrap(context.Request, Payloads.Open(context.Request, signing));
            await using (body.ConfigureAwait(false))
            {
                await DispatchAsync(context, request, body).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
        }
        catch (Exception e) when (e is BadHttpRequestException or IOException && !context.RequestAborted.IsCancellationRequested)
        {
            await FailAsync(context, new S3Exception(400, "IncompleteBody", "The request body ended before its declared length.", e), resource).ConfigureAwait(false);
        }
        catch (Exception e) when (ErrorMapper.Map(e, write) is { } error)
        {
            await FailAsync(context, error, resource).ConfigureAwait(false);
        }
        catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
        {
            _logger.LogError(e, "S3 gateway: {Method} {Resource} failed", context.Request.Method, resource);
            await FailAsync(context, new S3Exception(), resource).ConfigureAwait(false);
        }
    }

    private async Task FailAsync(HttpContext context, S3Exception error, string resource)
    {
        if (context.Response.HasStarted)
        {
            // Part of a body was sent: a short body, not an error document, tells the client it failed.
            context.Abort();
            return;
        }
        context.Response.Clear();
        await S3Xml.WriteErrorAsync(context, error, resource).ConfigureAwait(false);
    }

    private Repository Repository(string bucket) =>
        _repositories.TryGetValue(bucket, out var repository) ? repository : throw S3Exception.NoSuchBucket(bucket);

    private Task DispatchAsync(HttpContext context, S3Request request, Stream body)
    {
        var method = context.Request.Method;
        if (request.Bucket is null)
        {
            return HttpMethods.IsGet(method) ? _buckets.ListBucketsAsync(context) : throw MethodNotAllowed(method, "the service");
        }
        var repository = Repository(request.Bucket);
        if (request.Key is null)
        {
            return DispatchBucket(context, request, repository, body);
        }
        var key = request.Key;
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method))
        {
            return request.Has("uploadId") && HttpMethods.IsGet(method)
                ? _multipart.ListPartsAsync(context, repository, request.Bucket, key, request)
                : _objects.GetAsync(context, repository, key, HttpMethods.IsHead(method));
        }
        if (HttpMethods.IsPut(method))
        {
            var copySource = context.Request.Headers["x-amz-copy-source"].ToString();
            if (request.Has("uploadId"))
            {
                return copySource.Length > 0
                    ? _multipart.UploadPartCopyAsync(context, repository, key, request, copySource)
                    : _multipart.UploadPartAsync(context, repository, key, request, body);
            }
            return copySource.Length > 0
                ? _objects.CopyAsync(context, repository, key, copySource)
                : _objects.PutAsync(context, repository, key, body);
        }
        if (HttpMethods.IsDelete(method))
        {
            return request.Has("uploadId")
                ? _multipart.AbortAsync(context, repository, key, request)
                : _objects.DeleteAsync(context, repository, key);
        }
        if (HttpMethods.IsPost(method) && request.Has("uploads"))
        {
            return _multipart.CreateAsync(context, repository, request.Bucket, key);
        }
        if (HttpMethods.IsPost(method) && request.Has("uploadId"))
        {
            return _multipart.CompleteAsync(context, repository, request.Bucket, key, request, body);
        }
        throw MethodNotAllowed(method, "an object");
    }

    private Task DispatchBucket(HttpContext context, S3Request request, Repository repository, Stream body)
    {
        var method = context.Request.Method;
        if (HttpMethods.IsHead(method))
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            return Task.CompletedTask;
        }
        if (HttpMethods.IsGet(method))
        {
            if (request.Has("location"))
            {
                return BucketOperations.LocationAsync(context);
            }
            if (request.Has("versioning"))
            {
                return S3Xml.WriteAsync(context.Response, 200, "VersioningConfiguration", _ => { });
            }
            if (request.Has("uploads"))
            {
                return MultipartOperations.ListUploadsAsync(context, repository, request.Bucket!, request);
            }
            foreach (var subresource in new[] { "acl", "policy", "cors", "lifecycle", "tagging", "versions", "website", "logging", "notification", "replication", "encryption", "object-lock" })
            {
                if (request.Has(subresource))
                {
                    throw S3Exception.NotImplemented($"The bucket subresource '?{subresource}'");
                }
            }
            return BucketOperations.ListObjectsAsync(context, repository, request.Bucket!, request);
        }
        if (HttpMethods.IsPost(method) && request.Has("delete"))
        {
            return DeleteObjectsOperation.RunAsync(context, repository, body);
        }
        if (HttpMethods.IsPut(method) && context.Request.Query.Count == 0)
        {
            throw new S3Exception(409, "BucketAlreadyOwnedByYou", $"The repository '{request.Bucket}' exists and is served by this gateway.");
        }
        throw MethodNotAllowed(method, "a bucket");
    }

    private static S3Exception MethodNotAllowed(string method, string what) =>
        new(405, "MethodNotAllowed", $"The method {method} is not allowed against {what} on this gateway.");
}
