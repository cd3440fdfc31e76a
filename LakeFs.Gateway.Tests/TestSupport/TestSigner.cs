using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace LakeFs.Gateway.Tests.TestSupport;

/// <summary>
/// An independent, minimal AWS Signature Version 4 signer for raw requests the SDKs will not send (hostile paths,
/// tampered bodies, hand-built aws-chunked streams).
/// </summary>
public sealed class TestSigner(string accessKeyId, string secret, string region = "us-east-1")
{
    public const string EmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    public string AccessKeyId { get; } = accessKeyId;

    /// <summary>Signs a request in the Authorization header; returns the headers to send (host, x-amz-date, x-amz-content-sha256, authorization).</summary>
    public (Dictionary<string, string> Headers, string Signature) SignHeaders(
        string method, string host, string path, string query, string payloadHash, DateTimeOffset time, IDictionary<string, string>? extra = null)
    {
        var amzDate = time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["host"] = host,
            ["x-amz-date"] = amzDate,
            ["x-amz-content-sha256"] = payloadHash,
        };
        foreach (var (name, value) in extra ?? new Dictionary<string, string>())
        {
            headers[name.ToLowerInvariant()] = value;
        }
        var signedHeaders = string.Join(';', headers.Keys);
        var canonical = $"{method}\n{path}\n{query}\n{string.Concat(headers.Select(h => $"{h.Key}:{h.Value}\n"))}\n{signedHeaders}\n{payloadHash}";
        var scope = $"{amzDate[..8]}/{region}/s3/aws4_request";
        var signature = Hex(HMACSHA256.HashData(SigningKey(amzDate[..8]), Encoding.UTF8.GetBytes($"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}")));
        var result = new Dictionary<string, string>(headers)
        {
            ["authorization"] = $"AWS4-HMAC-SHA256 Credential={AccessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}",
        };
        return (result, signature);
    }

    /// <summary>A presigned URL's path and query (signed host header only, UNSIGNED-PAYLOAD). <paramref name="path"/> is sent as is.</summary>
    public string Presign(string method, string host, string path, DateTimeOffset time, int expiresSeconds)
    {
        var amzDate = time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var scope = $"{amzDate[..8]}/{region}/s3/aws4_request";
        var query = string.Join('&', new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["X-Amz-Algorithm"] = "AWS4-HMAC-SHA256",
            ["X-Amz-Credential"] = Uri.EscapeDataString($"{AccessKeyId}/{scope}"),
            ["X-Amz-Date"] = amzDate,
            ["X-Amz-Expires"] = expiresSeconds.ToString(CultureInfo.InvariantCulture),
            ["X-Amz-SignedHeaders"] = "host",
        }.Select(p => $"{p.Key}={p.Value}"));
        var canonical = $"{method}\n{path}\n{query}\nhost:{host}\n\nhost\nUNSIGNED-PAYLOAD";
        var signature = Hex(HMACSHA256.HashData(SigningKey(amzDate[..8]), Encoding.UTF8.GetBytes($"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}")));
        return $"{path}?{query}&X-Amz-Signature={signature}";
    }

    /// <summary>An aws-chunked body (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) for a request signed with <paramref name="seedSignature"/>.</summary>
    public byte[] ChunkedBody(byte[] content, int chunkSize, string seedSignature, DateTimeOffset time)
    {
        var amzDate = time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var scope = $"{amzDate[..8]}/{region}/s3/aws4_request";
        var key = SigningKey(amzDate[..8]);
        var previous = seedSignature;
        using var body = new MemoryStream();
        for (var offset = 0; ; offset += chunkSize)
        {
            var chunk = content.AsSpan(Math.Min(offset, content.Length), Math.Max(0, Math.Min(chunkSize, content.Length - offset))).ToArray();
            var toSign = $"AWS4-HMAC-SHA256-PAYLOAD\n{amzDate}\n{scope}\n{previous}\n{EmptySha256}\n{Hex(SHA256.HashData(chunk))}";
            previous = Hex(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(toSign)));
            body.Write(Encoding.ASCII.GetBytes($"{chunk.Length:x};chunk-signature={previous}\r\n"));
            body.Write(chunk);
            body.Write("\r\n"u8);
            if (chunk.Length == 0)
            {
                return body.ToArray();
            }
        }
    }

    public static string Sha256Hex(byte[] bytes) => Hex(SHA256.HashData(bytes));

    private byte[] SigningKey(string date)
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secret), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, "s3"u8);
        return HMACSHA256.HashData(key, "aws4_request"u8);
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
