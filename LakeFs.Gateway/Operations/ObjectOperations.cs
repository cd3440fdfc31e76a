using LakeFs.Core;
using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Gateway.Auth;
using LakeFs.Gateway.Protocol;
using LakeFs.Storage;
using Microsoft.AspNetCore.Http;

namespace LakeFs.Gateway.Operations;

/// <summary>GetObject, HeadObject, PutObject, DeleteObject and CopyObject on <c>&lt;ref&gt;/&lt;path&gt;</c> keys.</summary>
internal sealed class ObjectOperations
{
    private readonly ObjectWriter _writer;
    private readonly Func<string, Repository> _repository;

    public ObjectOperations(ObjectWriter writer, Func<string, Repository> repository)
    {
        _writer = writer;
        _repository = repository;
    }

    public async Task GetAsync(HttpContext context, Repository repository, string key, bool head)
    {
        var cancellationToken = context.RequestAborted;
        var info = await ObjectKey.OnRefAsync(key, split => repository.StatObjectAsync(split.Ref, split.Path, cancellationToken)).ConfigureAwait(false);
        var response = context.Response;
        ObjectHeaders.Write(response, info);
        if (!CheckConditions(context.Request, info, response))
        {
            return;
        }
        var range = RangeHeader.Parse(head ? null : context.Request.Headers.Range.ToString(), info.Size);
        if (range is { } r)
        {
            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = $"bytes {r.Offset}-{r.Offset + r.Length - 1}/{info.Size}";
            response.ContentLength = r.Length;
        }
        else
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentLength = info.Size;
        }
        if (head || response.ContentLength == 0)
        {
            return;
        }
        // The bytes of exactly the version stat saw, even if the path is rewritten meanwhile; a whole object is checked
        // against its size and SHA-256 as it streams, and a mismatch at the end aborts the response.
        var stream = await repository.OpenReadAsync(info, range is { } b ? new ByteRange(b.Offset, b.Length) : null, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            await stream.CopyToAsync(response.Body, 81920, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Applies If-Match, If-Unmodified-Since, If-None-Match, If-Modified-Since (in RFC 9110's order); false when answered.</summary>
    private static bool CheckConditions(HttpRequest request, ObjectInfo info, HttpResponse response)
    {
        var etag = ETags.Of(info);
        var modified = info.LastModified.ToUniversalTime();
        modified = new DateTimeOffset(modified.Ticks - modified.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        var ifMatch = request.Headers.IfMatch.ToString();
        var ifNoneMatch = request.Headers.IfNoneMatch.ToString();
        if (ifMatch.Length > 0 ? !ETags.Matches(ifMatch, etag)
            : ObjectHeaders.ParseHttpDate(request.Headers.IfUnmodifiedSince.ToString()) is { } unmodifiedSince && modified > unmodifiedSince)
        {
            throw new S3Exception(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold.");
        }
        if (ifNoneMatch.Length > 0 ? ETags.Matches(ifNoneMatch, etag)
            : ObjectHeaders.ParseHttpDate(request.Headers.IfModifiedSince.ToString()) is { } modifiedSince && modified <= modifiedSince)
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            response.Headers.ContentType = default;
            return false;
        }
        return true;
    }

    public async Task PutAsync(HttpContext context, Repository repository, string key, Stream body)
    {
        var cancellationToken = context.RequestAborted;
        var options = ObjectHeaders.ReadOptions(context.Request);
        var ifNoneMatch = context.Request.Headers.IfNoneMatch.ToString();
        if (ifNoneMatch.Length > 0)
        {
            options = ifNoneMatch.Trim() == "*"
                ? options with { IfNoneMatch = true }
                : throw S3Exception.NotImplemented("If-None-Match other than '*' on PutObject");
        }
        if (context.Request.Headers.IfMatch.Count > 0)
        {
            throw S3Exception.NotImplemented("If-Match on PutObject");
        }
        var md5 = ObjectHeaders.ContentMd5(context.Request);
        var (branch, path) = await Branches.ResolveAsync(repository, key, cancellationToken).ConfigureAwait(false);
        var info = await _writer.WriteAsync(repository, branch, path, body, options, md5, etag: null, cancellationToken).ConfigureAwait(false);
        context.Response.Headers.ETag = ETags.Of(info);
        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    public async Task DeleteAsync(HttpContext context, Repository repository, string key)
    {
        var cancellationToken = context.RequestAborted;
        var (branch, path) = await Branches.ResolveAsync(repository, key, cancellationToken).ConfigureAwait(false);
        try
        {
            await repository.DeleteObjectAsync(branch, path, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException)
        {
            // S3 answers a delete of a missing key with success.
        }
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>
    /// Copies within a repository by linking the destination to the source's physical address: no byte is copied.
    /// Across repositories (different object stores), and from an object imported from a named import source, the
    /// bytes are streamed.
    /// </summary>
    public async Task CopyAsync(HttpContext context, Repository repository, string key, string copySource)
    {
        var cancellationToken = context.RequestAborted;
        _ = ObjectKey.Splits(key, write: true); // a key with no path is refused before the source is read
        var (sourceRepository, sourceInfo) = await CopySource.ResolveAsync(context, copySource, _repository, cancellationToken).ConfigureAwait(false);

        var directive = context.Request.Headers["x-amz-metadata-directive"].ToString();
        PutObjectOptions options;
        if (string.Equals(directive, "REPLACE", StringComparison.OrdinalIgnoreCase))
        {
            options = ObjectHeaders.ReadOptions(context.Request);
        }
        else if (directive.Length == 0 || string.Equals(directive, "COPY", StringComparison.OrdinalIgnoreCase))
        {
            options = new PutObjectOptions { ContentType = sourceInfo.ContentType, Metadata = UserMetadata(sourceInfo) };
        }
        else
        {
            throw S3Exception.InvalidArgument($"x-amz-metadata-directive must be COPY or REPLACE, not '{directive}'.");
        }
        var (branch, path) = await Branches.ResolveAsync(repository, key, cancellationToken).ConfigureAwait(false);

        var etag = ETags.Of(sourceInfo).Trim('"');
        ObjectInfo info;
        // An object imported from a named source has its bytes in that store, which a link into this one cannot name.
        if (ReferenceEquals(sourceRepository, repository) && string.IsNullOrEmpty(sourceInfo.ImportSource))
        {
            var metadata = new Dictionary<string, string>(options.Metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal)
            {
                [ETags.MetadataKey] = etag,
            };
            info = await repository.LinkObjectAsync(
                branch, path, sourceInfo.PhysicalAddress, sourceInfo.Size, sourceInfo.Checksum, options with { Metadata = metadata },
                CancellationToken.None).ConfigureAwait(false);
        }
        else
        {
            var stream = await sourceRepository.OpenReadAsync(sourceInfo, null, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                info = await _writer.WriteAsync(repository, branch, path, stream, options, null, () => etag, cancellationToken).ConfigureAwait(false);
            }
        }
        await S3Xml.WriteAsync(context.Response, 200, "CopyObjectResult", w =>
        {
            w.WriteElementString("LastModified", S3Xml.Timestamp(info.LastModified));
            w.WriteElementString("ETag", ETags.Of(info));
        }).ConfigureAwait(false);
    }

    private static Dictionary<string, string> UserMetadata(ObjectInfo info) =>
        info.Metadata.Where(p => p.Key != ETags.MetadataKey).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
}
