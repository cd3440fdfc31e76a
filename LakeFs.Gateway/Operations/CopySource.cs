using LakeFs.Core;
using LakeFs.Core.Model;
using LakeFs.Gateway.Protocol;
using Microsoft.AspNetCore.Http;

namespace LakeFs.Gateway.Operations;

/// <summary>The object an <c>x-amz-copy-source</c> header names (CopyObject, UploadPartCopy), with its copy conditions checked.</summary>
internal static class CopySource
{
    /// <summary>
    /// Finds the source (<c>&lt;bucket&gt;/&lt;ref&gt;/&lt;path&gt;</c>, URL-encoded, optional leading '/') and applies
    /// <c>x-amz-copy-source-if-match</c> and <c>-if-none-match</c>.
    /// </summary>
    public static async Task<(Repository Repository, ObjectInfo Info)> ResolveAsync(
        HttpContext context, string header, Func<string, Repository> repositories, CancellationToken cancellationToken)
    {
        var source = AwsUri.Decode(header).TrimStart('/');
        if (source.Contains("?versionId=", StringComparison.Ordinal))
        {
            throw S3Exception.NotImplemented("Copying a version (versionId)");
        }
        var slash = source.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            throw S3Exception.InvalidArgument($"x-amz-copy-source '{header}' is not <bucket>/<key>.");
        }
        var repository = repositories(source[..slash]);
        var info = await ObjectKey.OnRefAsync(
            source[(slash + 1)..], split => repository.StatObjectAsync(split.Ref, split.Path, cancellationToken)).ConfigureAwait(false);
        var headers = context.Request.Headers;
        if (headers["x-amz-copy-source-if-match"].ToString() is { Length: > 0 } ifMatch && !ETags.Matches(ifMatch, ETags.Of(info)))
        {
            throw new S3Exception(412, "PreconditionFailed", "x-amz-copy-source-if-match did not hold.");
        }
        if (headers["x-amz-copy-source-if-none-match"].ToString() is { Length: > 0 } ifNoneMatch && ETags.Matches(ifNoneMatch, ETags.Of(info)))
        {
            throw new S3Exception(412, "PreconditionFailed", "x-amz-copy-source-if-none-match did not hold.");
        }
        return (repository, info);
    }
}
