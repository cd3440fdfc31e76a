using System.Globalization;
using LakeFs.Core.Model;
using Microsoft.AspNetCore.Http;

namespace LakeFs.Gateway.Protocol;

/// <summary>Reads an object's content type and user metadata from a request, and writes them to a response.</summary>
internal static class ObjectHeaders
{
    private const string MetaPrefix = "x-amz-meta-";

    public static PutObjectOptions ReadOptions(HttpRequest request)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, values) in request.Headers)
        {
            if (name.StartsWith(MetaPrefix, StringComparison.OrdinalIgnoreCase) && name.Length > MetaPrefix.Length)
            {
                var key = name[MetaPrefix.Length..].ToLowerInvariant();
                if (key == ETags.MetadataKey)
                {
                    throw S3Exception.InvalidArgument($"x-amz-meta-{ETags.MetadataKey} is reserved: the gateway keeps the object's ETag there.");
                }
                metadata[key] = values.ToString();
            }
        }
        var contentType = request.ContentType;
        return new PutObjectOptions
        {
            ContentType = string.IsNullOrWhiteSpace(contentType) ? null : contentType,
            Metadata = metadata,
        };
    }

    /// <summary>The request's Content-MD5 (base64), or null.</summary>
    public static byte[]? ContentMd5(HttpRequest request)
    {
        var value = request.Headers["Content-MD5"].ToString();
        if (value.Length == 0)
        {
            return null;
        }
        var md5 = new byte[16];
        return Convert.TryFromBase64String(value, md5, out var written) && written == 16
            ? md5
            : throw new S3Exception(400, "InvalidDigest", "The Content-MD5 you specified is not a base64 MD5.");
    }

    /// <summary>Content type, ETag, Last-Modified and x-amz-meta-* of an object; values a header cannot carry are counted in x-amz-missing-meta.</summary>
    public static void Write(HttpResponse response, ObjectInfo info)
    {
        var headers = response.Headers;
        headers.ContentType = IsHeaderSafe(info.ContentType) ? info.ContentType : "application/octet-stream";
        headers.ETag = ETags.Of(info);
        headers.LastModified = info.LastModified.ToString("R", CultureInfo.InvariantCulture);
        headers.AcceptRanges = "bytes";
        var missing = 0;
        foreach (var (key, value) in info.Metadata)
        {
            if (key == ETags.MetadataKey)
            {
                continue;
            }
            if (IsToken(key) && IsHeaderSafe(value))
            {
                headers[MetaPrefix + key] = value;
            }
            else
            {
                missing++;
            }
        }
        if (missing > 0)
        {
            headers["x-amz-missing-meta"] = missing.ToString(CultureInfo.InvariantCulture);
        }
    }

    public static DateTimeOffset? ParseHttpDate(string value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;

    private static bool IsHeaderSafe(string value) => value.All(c => c is >= ' ' and <= '~' or '\t');

    private static bool IsToken(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal));
}
