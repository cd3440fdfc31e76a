using LakeFs.Core.Model;

namespace LakeFs.Gateway.Protocol;

/// <summary>
/// The ETag S3 clients see. Objects written through the gateway carry their S3 ETag (MD5 of the bytes, or the
/// multipart form "md5-of-part-md5s-N") in the reserved metadata key <see cref="MetadataKey"/>, which the gateway
/// neither accepts from nor shows as an x-amz-meta-* header. Objects written by the library alone have no MD5: their
/// ETag is the first 32 hex digits of their SHA-256 checksum in the multipart form (<c>"…-1"</c>), because SDKs check
/// a downloaded body against any ETag without a '-' as if it were an MD5 (the .NET and Java SDKs fail the download),
/// and treat a multipart ETag as opaque.
/// </summary>
internal static class ETags
{
    public const string MetadataKey = "lakefs-s3-etag";

    public static string Of(ObjectInfo info) =>
        "\"" + (info.Metadata.TryGetValue(MetadataKey, out var etag) ? etag : Opaque(info.Checksum)) + "\"";

    private static string Opaque(string checksum) =>
        checksum.Length == 64 && checksum.All(char.IsAsciiHexDigit) ? checksum[..32] + "-1" : checksum;

    /// <summary>Whether an If-Match / If-None-Match header value (a list of quoted or bare ETags, or *) matches.</summary>
    public static bool Matches(string header, string etag)
    {
        foreach (var candidate in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var value = candidate.StartsWith("W/", StringComparison.Ordinal) ? candidate[2..] : candidate;
            if (value == "*" || value == etag || "\"" + value + "\"" == etag)
            {
                return true;
            }
        }
        return false;
    }
}
