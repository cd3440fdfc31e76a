using System.Buffers.Binary;
using System.IO.Hashing;
using System.Security.Cryptography;
using LakeFs.Gateway.Protocol;
using Microsoft.AspNetCore.Http;

namespace LakeFs.Gateway.Auth;

/// <summary>
/// Checks a body against the checksum an S3 client sends with it (the "flexible checksums" of newer SDKs):
/// <c>x-amz-checksum-crc32</c>, <c>-crc32c</c>, <c>-crc64nvme</c>, <c>-sha1</c> or <c>-sha256</c>, as a header or, for
/// <c>aws-chunked</c> bodies, as a trailer named in <c>x-amz-trailer</c>. The value (base64 of the big-endian checksum)
/// is compared when the body ends, so a mismatch fails the read before the write it feeds is acknowledged.
/// </summary>
internal sealed class ChecksumStream : PayloadStream
{
    private const string HeaderPrefix = "x-amz-checksum-";
    private static readonly string[] Algorithms = ["crc32", "crc32c", "crc64nvme", "sha1", "sha256"];

    private readonly Stream _inner;
    private readonly string _algorithm;
    private readonly Func<string?> _expected;
    private readonly Action<ReadOnlySpan<byte>> _append;
    private readonly Func<byte[]> _finish;
    private bool _checked;

    private ChecksumStream(Stream inner, string algorithm, Func<string?> expected)
    {
        _inner = inner;
        _algorithm = algorithm;
        _expected = expected;
        (_append, _finish) = algorithm switch
        {
            "crc32" => Crc(new Crc32()),
            "crc32c" => Crc(new Crc32(Crc32ParameterSet.Crc32C)),
            "crc64nvme" => Crc(new Crc64(Crc64ParameterSet.Nvme)),
            "sha1" => Cryptographic(IncrementalHash.CreateHash(HashAlgorithmName.SHA1)),
            "sha256" => Cryptographic(IncrementalHash.CreateHash(HashAlgorithmName.SHA256)),
            _ => throw Invalid("x-amz-sdk-checksum-algorithm", algorithm),
        };
    }

    /// <summary>
    /// <paramref name="body"/> wrapped to check the checksum the request carries, or <paramref name="body"/> itself when it
    /// carries none. A request naming an unknown algorithm, two checksums, or a trailer the body cannot have is refused;
    /// other <c>x-amz-checksum-*</c> headers (<c>-algorithm</c> on CreateMultipartUpload, <c>-type</c>, <c>-mode</c>) are not checksums.
    /// </summary>
    /// <param name="http">The request, for its headers.</param>
    /// <param name="body">The decoded body (an <see cref="AwsChunkedStream"/> when trailers can follow).</param>
    public static Stream Wrap(HttpRequest http, Stream body)
    {
        string? algorithm = null;
        string? value = null;
        foreach (var name in Algorithms)
        {
            if (http.Headers[HeaderPrefix + name].ToString() is { Length: > 0 } given)
            {
                if (algorithm is not null)
                {
                    throw new S3Exception(400, "InvalidRequest", "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
                }
                (algorithm, value) = (name, given);
            }
        }
        if (http.Headers["x-amz-sdk-checksum-algorithm"].ToString() is { Length: > 0 } declared && !Algorithms.Contains(declared.ToLowerInvariant()))
        {
            throw Invalid("x-amz-sdk-checksum-algorithm", declared);
        }
        var trailer = http.Headers["x-amz-trailer"].ToString().Trim().ToLowerInvariant();
        if (trailer.StartsWith(HeaderPrefix, StringComparison.Ordinal))
        {
            if (algorithm is not null)
            {
                throw new S3Exception(400, "InvalidRequest", "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
            }
            if (body is not AwsChunkedStream chunked)
            {
                throw new S3Exception(400, "InvalidRequest", $"x-amz-trailer names {trailer}, but the body is not an aws-chunked payload with trailers.");
            }
            var named = trailer[HeaderPrefix.Length..];
            return Algorithms.Contains(named)
                ? new ChecksumStream(body, named, () => chunked.Trailer(trailer))
                : throw Invalid("x-amz-trailer", trailer);
        }
        if (algorithm is null)
        {
            return body;
        }
        return new ChecksumStream(body, algorithm, () => value);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_checked)
        {
            return 0;
        }
        var n = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (n > 0)
        {
            _append(buffer.Span[..n]);
            return n;
        }
        _checked = true;
        var name = HeaderPrefix + _algorithm;
        var expected = _expected() ?? throw new S3Exception(400, "InvalidRequest", $"The body ended without the trailing {name} that x-amz-trailer announced.");
        byte[] expectedBytes;
        try
        {
            expectedBytes = Convert.FromBase64String(expected.Trim());
        }
        catch (FormatException)
        {
            throw Invalid(name, expected);
        }
        var actual = _finish();
        if (expectedBytes.Length != actual.Length)
        {
            throw Invalid(name, expected);
        }
        if (!CryptographicOperations.FixedTimeEquals(expectedBytes, actual))
        {
            throw new S3Exception(400, "BadDigest", $"The {_algorithm.ToUpperInvariant()} you specified did not match the calculated checksum.");
        }
        return 0;
    }

    private static (Action<ReadOnlySpan<byte>>, Func<byte[]>) Crc(Crc32 crc) => (crc.Append, () =>
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, crc.GetCurrentHashAsUInt32());
        return bytes;
    });

    private static (Action<ReadOnlySpan<byte>>, Func<byte[]>) Crc(Crc64 crc) => (crc.Append, () =>
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, crc.GetCurrentHashAsUInt64());
        return bytes;
    });

    private static (Action<ReadOnlySpan<byte>>, Func<byte[]>) Cryptographic(IncrementalHash hash) => (hash.AppendData, () =>
    {
        using (hash)
        {
            return hash.GetHashAndReset();
        }
    });

    private static S3Exception Invalid(string header, string value) =>
        new(400, "InvalidRequest", $"Value for {header} header is invalid: '{value}'. Use one of crc32, crc32c, crc64nvme, sha1, sha256 with the base64 of the checksum.");
}
