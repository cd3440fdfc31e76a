using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LakeFs.Gateway.Protocol;
using Microsoft.AspNetCore.Http;

namespace LakeFs.Gateway.Auth;

/// <summary>
/// Verifies AWS Signature Version 4, sent in the Authorization header or in a presigned URL's query, against the
/// configured keys. Anything unsigned, signed with an unknown key, wrongly signed or expired is refused.
/// </summary>
internal sealed class SignatureV4
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string UnsignedPayload = "UNSIGNED-PAYLOAD";
    private const long MaxPresignedExpirySeconds = 7 * 24 * 3600;

    private readonly Dictionary<string, string> _secrets;
    private readonly TimeProvider _time;
    private readonly TimeSpan _maxSkew;

    public SignatureV4(IEnumerable<S3AccessKey> keys, TimeProvider time, TimeSpan maxSkew)
    {
        _secrets = keys.ToDictionary(k => k.AccessKeyId, k => k.SecretAccessKey, StringComparer.Ordinal);
        _time = time;
        _maxSkew = maxSkew;
    }

    public SigningContext Verify(HttpRequest http, S3Request request)
    {
        var authorization = http.Headers.Authorization.ToString();
        if (authorization.Length > 0)
        {
            return VerifyHeader(http, request, authorization);
        }
        if (request.Get("X-Amz-Signature") is not null)
        {
            return VerifyPresigned(http, request);
        }
        if (request.Get("Signature") is not null || request.Get("AWSAccessKeyId") is not null)
        {
            throw S3Exception.AccessDenied("Signature Version 2 is not supported; sign requests with AWS Signature Version 4.");
        }
        throw S3Exception.AccessDenied("Anonymous access is not allowed: sign the request with AWS Signature Version 4 and a configured access key.");
    }

    private SigningContext VerifyHeader(HttpRequest http, S3Request request, string authorization)
    {
        if (!authorization.StartsWith(Algorithm + " ", StringComparison.Ordinal))
        {
            throw S3Exception.AccessDenied(authorization.StartsWith("AWS ", StringComparison.Ordinal)
                ? "Signature Version 2 is not supported; sign requests with AWS Signature Version 4."
                : $"Unsupported authorization type; use {Algorithm}.");
        }
        string? credential = null, signedHeaders = null, signature = null;
        foreach (var part in authorization[(Algorithm.Length + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                continue;
            }
            var value = part[(equals + 1)..];
            switch (part[..equals])
            {
                case "Credential": credential = value; break;
                case "SignedHeaders": signedHeaders = value; break;
                case "Signature": signature = value; break;
            }
        }
        if (credential is null || signedHeaders is null || signature is null)
        {
            throw Malformed("the Authorization header needs Credential, SignedHeaders and Signature");
        }
        var amzDate = http.Headers["x-amz-date"].ToString();
        if (amzDate.Length == 0)
        {
            var date = http.Headers.Date.ToString();
            amzDate = DateTimeOffset.TryParse(date, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
                ? parsed.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)
                : throw S3Exception.AccessDenied("The request has no x-amz-date or Date header.");
        }
        var time = ParseAmzDate(amzDate);
        var now = _time.GetUtcNow();
        if ((now - time).Duration() > _maxSkew)
        {
            throw new S3Exception(403, "RequestTimeTooSkewed", $"The request time {time:O} differs from the gateway's time {now:O} by more than {_maxSkew}.");
        }
        var payloadHash = http.Headers["x-amz-content-sha256"].ToString();
        if (payloadHash.Length == 0)
        {
            throw new S3Exception(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256.");
        }
        return Check(http, request, credential, signedHeaders, signature, amzDate, payloadHash, presigned: false);
    }

    private SigningContext VerifyPresigned(HttpRequest http, S3Request request)
    {
        if (request.Get("X-Amz-Algorithm") != Algorithm)
        {
            throw S3Exception.AccessDenied($"X-Amz-Algorithm must be {Algorithm}.");
        }
        var credential = request.Get("X-Amz-Credential") ?? throw Malformed("X-Amz-Credential is missing");
        var signedHeaders = request.Get("X-Amz-SignedHeaders") ?? throw Malformed("X-Amz-SignedHeaders is missing");
        var amzDate = request.Get("X-Amz-Date") ?? throw Malformed("X-Amz-Date is missing");
        var signature = request.Get("X-Amz-Signature")!;
        if (!long.TryParse(request.Get("X-Amz-Expires"), NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
            || expires is < 1 or > MaxPresignedExpirySeconds)
        {
            throw S3Exception.AccessDenied($"X-Amz-Expires must be a number of seconds from 1 to {MaxPresignedExpirySeconds}.");
        }
        var time = ParseAmzDate(amzDate);
        var now = _time.GetUtcNow();
        if (time - now > _maxSkew)
        {
            throw S3Exception.AccessDenied("Request is not valid yet: its X-Amz-Date lies in the future.");
        }
        if (now > time.AddSeconds(expires))
        {
            throw S3Exception.AccessDenied("Request has expired.");
        }
        var payloadHash = request.Get("X-Amz-Content-Sha256") ?? UnsignedPayload;
        return Check(http, request, credential, signedHeaders, signature, amzDate, payloadHash, presigned: true);
    }

    private SigningContext Check(
        HttpRequest http, S3Request request, string credential, string signedHeaders, string signature,
        string amzDate, string payloadHash, bool presigned)
    {
        // Credential = <access key id>/<yyyyMMdd>/<region>/s3/aws4_request
        var parts = credential.Split('/');
        if (parts.Length != 5 || parts[3] != "s3" || parts[4] != "aws4_request")
        {
            throw Malformed($"the credential '{credential}' is not <key>/<date>/<region>/s3/aws4_request");
        }
        if (!_secrets.TryGetValue(parts[0], out var secret))
        {
            throw new S3Exception(403, "InvalidAccessKeyId", $"The access key id '{parts[0]}' is not configured on this gateway.");
        }
        if (!amzDate.StartsWith(parts[1], StringComparison.Ordinal) || parts[1].Length != 8)
        {
            throw Malformed($"the credential date {parts[1]} is not the date of the request time {amzDate}");
        }
        var scope = string.Join('/', parts, 1, 4);

        var canonical = new StringBuilder(512);
        canonical.Append(http.Method).Append('\n');
        canonical.Append(request.CanonicalUri).Append('\n');
        AppendCanonicalQuery(canonical, request, presigned);
        canonical.Append('\n');
        foreach (var name in signedHeaders.Split(';'))
        {
            canonical.Append(name).Append(':').Append(CanonicalHeaderValue(http, name)).Append('\n');
        }
        canonical.Append('\n').Append(signedHeaders).Append('\n').Append(payloadHash);

        var stringToSign = $"{Algorithm}\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))}";
        var key = SigningKey(secret, parts[1], parts[2]);
        var expected = Hex(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        if (!FixedTimeEquals(expected, signature))
        {
            throw S3Exception.SignatureDoesNotMatch(
                "The request signature we calculated does not match the signature you provided. Check your key and signing method.");
        }
        return new SigningContext(parts[0], key, amzDate, scope, expected, payloadHash);
    }

    private static void AppendCanonicalQuery(StringBuilder canonical, S3Request request, bool presigned)
    {
        var pairs = new List<(string Name, string Value)>(request.Query.Count);
        foreach (var (name, value) in request.Query)
        {
            if (presigned && name == "X-Amz-Signature")
            {
                continue;
            }
            pairs.Add((AwsUri.Encode(name, keepSlash: false), AwsUri.Encode(value, keepSlash: false)));
        }
        pairs.Sort((a, b) =>
        {
            var byName = string.CompareOrdinal(a.Name, b.Name);
            return byName != 0 ? byName : string.CompareOrdinal(a.Value, b.Value);
        });
        for (var i = 0; i < pairs.Count; i++)
        {
            if (i > 0)
            {
                canonical.Append('&');
            }
            canonical.Append(pairs[i].Name).Append('=').Append(pairs[i].Value);
        }
    }

    private static string CanonicalHeaderValue(HttpRequest http, string name)
    {
        var values = name == "host" ? http.Host.Value ?? "" : http.Headers[name].ToString();
        // Trim, and fold runs of spaces into one, as the signer did.
        var builder = new StringBuilder(values.Length);
        var space = false;
        foreach (var c in values.AsSpan().Trim())
        {
            if (c == ' ')
            {
                space = true;
                continue;
            }
            if (space)
            {
                builder.Append(' ');
                space = false;
            }
            builder.Append(c);
        }
        return builder.ToString();
    }

    public static byte[] SigningKey(string secret, string date, string region)
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secret), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, "s3"u8);
        return HMACSHA256.HashData(key, "aws4_request"u8);
    }

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    public static bool FixedTimeEquals(string expectedHex, string actualHex) =>
        expectedHex.Length == actualHex.Length
        && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expectedHex), Encoding.ASCII.GetBytes(actualHex));

    private static DateTimeOffset ParseAmzDate(string amzDate) =>
        DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw S3Exception.AccessDenied($"The request time '{amzDate}' is not in the form yyyyMMddTHHmmssZ.");

    private static S3Exception Malformed(string what) => new(400, "AuthorizationHeaderMalformed", $"The authorization is malformed: {what}.");
}
