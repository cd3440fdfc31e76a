using System.Security.Cryptography;
using LakeFs.Gateway.Auth;

namespace LakeFs.Gateway.Protocol;

/// <summary>Passes an object's bytes through while computing what the gateway records: size, SHA-256 and MD5.</summary>
internal sealed class ObjectHashingStream : PayloadStream
{
    private readonly Stream _inner;
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);

    public ObjectHashingStream(Stream inner) => _inner = inner;

    public long BytesRead { get; private set; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        _sha256.AppendData(buffer.Span[..n]);
        _md5.AppendData(buffer.Span[..n]);
        BytesRead += n;
        return n;
    }

    public string Sha256Hex() => SignatureV4.Hex(_sha256.GetCurrentHash());

    public byte[] Md5() => _md5.GetCurrentHash();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _sha256.Dispose();
            _md5.Dispose();
        }
        base.Dispose(disposing);
    }
}
