using System.Globalization;
using LakeFs.Gateway.Protocol;
using Microsoft.AspNetCore.Http;

namespace LakeFs.Gateway.Auth;

/// <summary>Turns a request body into the bytes the client meant, checked as its x-amz-content-sha256 says.</summary>
internal static class Payloads
{
    public const string StreamingSigned = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
    public const string StreamingSignedTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
    public const string StreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

    public static Stream Open(HttpRequest http, SigningContext signing)
    {
        var body = http.Body;
        var hash = signing.PayloadHash;
        switch (hash)
        {
            case SignatureV4.UnsignedPayload:
                return body;
            case StreamingSigned:
                return new AwsChunkedStream(body, signing, trailer: false, DecodedLength(http));
            case StreamingSignedTrailer:
                return new AwsChunkedStream(body, signing, trailer: true, DecodedLength(http));
            case StreamingUnsignedTrailer:
                return new AwsChunkedStream(body, null, trailer: true, DecodedLength(http));
        }
        if (hash.Length == 64 && hash.All(char.IsAsciiHexDigit))
        {
            return new ContentSha256Stream(body, hash);
        }
        throw S3Exception.InvalidArgument($"x-amz-content-sha256 must be a hex SHA-256, {SignatureV4.UnsignedPayload} or a streaming payload type; '{hash}' is none.");
    }

    /// <summary>The object's size when the body is aws-chunked (x-amz-decoded-content-length), else Content-Length.</summary>
    public static long? DecodedLength(HttpRequest http)
    {
        var value = http.Headers["x-amz-decoded-content-length"].ToString();
        if (value.Length == 0)
        {
            return null;
        }
        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var length)
            ? length
            : throw S3Exception.InvalidArgument($"x-amz-decoded-content-length '{value}' is not a number.");
    }
}
