using System.Security.Cryptography;
using LakeFs.Gateway.Protocol;

namespace LakeFs.Gateway.Auth;

/// <summary>
/// Passes bytes through and, at their end, checks them against an expected SHA-256: a request body against the
/// x-amz-content-sha256 the client signed.
/// </summary>
internal sealed class ContentSha256Stream : PayloadStream
{
    private readonly Stream _inner;
    private readonly string _expectedHex;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private bool _checked;

    public ContentSha256Stream(Stream inner, string expectedHex)
    {
        _inner = inner;
        _expectedHex = expectedHex.ToLowerInvariant();
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
            _hash.AppendData(buffer.Span[..n]);
            return n;
        }
        _checked = true;
        if (!SignatureV4.FixedTimeEquals(_expectedHex, SignatureV4.Hex(_hash.GetHashAndReset())))
        {
            throw new S3Exception(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.");
        }
        return 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }
        base.Dispose(disposing);
    }
}
