using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace LakeFs.Gateway.Protocol;

/// <summary>
/// The addressing part of a request, read from the raw request target (Kestrel's decoded path keeps "%2F" and would
/// not match what the client signed): bucket and key, decoded query parameters, and the canonical URI and query
/// string a Signature Version 4 is computed over.
/// </summary>
internal sealed class S3Request
{
    private S3Request(string? bucket, string? key, string canonicalUri, List<KeyValuePair<string, string>> query)
    {
        Bucket = bucket;
        Key = key;
        CanonicalUri = canonicalUri;
        Query = query;
    }

    /// <summary>The bucket, or null for the service root (ListBuckets).</summary>
    public string? Bucket { get; }

    /// <summary>The object key, or null when the request addresses the bucket itself.</summary>
    public string? Key { get; }

    public string CanonicalUri { get; }

    /// <summary>Decoded query parameters in the order sent.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Query { get; }

    public bool Has(string name) => Query.Any(p => p.Key == name);

    public string? Get(string name)
    {
        foreach (var (key, value) in Query)
        {
            if (key == name)
            {
                return value;
            }
        }
        return null;
    }

    public static S3Request Parse(HttpContext context, string? virtualHostDomain)
    {
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(target))
        {
            target = context.Request.Path.Value + context.Request.QueryString.Value;
        }
        if (!target.StartsWith('/'))
        {
            // Absolute form (a proxy-style request line): keep the path and query only.
            var schemeEnd = target.IndexOf("://", StringComparison.Ordinal);
            var pathStart = schemeEnd < 0 ? -1 : target.IndexOf('/', schemeEnd + 3);
            target = pathStart < 0 ? "/" : target[pathStart..];
        }
        var question = target.IndexOf('?', StringComparison.Ordinal);
        var rawPath = question < 0 ? target : target[..question];
        var rawQuery = question < 0 ? "" : target[(question + 1)..];

        var path = AwsUri.Decode(rawPath);
        var query = ParseQuery(rawQuery);

        string? bucket;
        string? key;
        var hostBucket = BucketFromHost(context.Request.Host.Host, virtualHostDomain);
        if (hostBucket is not null)
        {
            bucket = hostBucket;
            key = path.Length > 1 ? path[1..] : null;
        }
        else
        {
            var rest = path.TrimStart('/');
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            bucket = slash < 0 ? (rest.Length == 0 ? null : rest) : rest[..slash];
            key = slash < 0 || slash == rest.Length - 1 ? null : rest[(slash + 1)..];
        }
        return new S3Request(bucket, key, AwsUri.Encode(path, keepSlash: true), query);
    }

    private static string? BucketFromHost(string host, string? domain)
    {
        if (string.IsNullOrEmpty(domain) || host.Length <= domain.Length + 1)
        {
            return null;
        }
        return host.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase) ? host[..^(domain.Length + 1)] : null;
    }

    private static List<KeyValuePair<string, string>> ParseQuery(string rawQuery)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var part in rawQuery.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var name = AwsUri.Decode(equals < 0 ? part : part[..equals]);
            var value = equals < 0 ? "" : AwsUri.Decode(part[(equals + 1)..]);
            result.Add(new(name, value));
        }
        return result;
    }
}
