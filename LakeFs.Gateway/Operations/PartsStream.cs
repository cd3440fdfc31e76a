using System.Security.Cryptography;
using LakeFs.Gateway.Auth;
using LakeFs.Storage;

namespace LakeFs.Gateway.Operations;

/// <summary>
/// Reads the parts of a multipart upload one after another as one stream, computing each part's MD5 on the way so
/// that the ETags the client listed can be checked against the bytes actually combined.
/// </summary>
internal sealed class PartsStream : PayloadStream
{
    private readonly IObjectStore _store;
    private readonly IReadOnlyList<string> _keys;
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
    private readonly List<byte[]> _partMd5s = [];
    private Stream? _current;
    private int _next;

    public PartsStream(IObjectStore store, IReadOnlyList<string> keys)
    {
        _store = store;
        _keys = keys;
    }

    /// <summary>The MD5 of every part read to its end, in order.</summary>
    public IReadOnlyList<byte[]> PartMd5s => _partMd5s;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_current is null)
            {
                if (_next == _keys.Count)
                {
                    return 0;
                }
                _current = await _store.OpenReadAsync(_keys[_next++], null, cancellationToken).ConfigureAwait(false);
            }
            var n = await _current.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (n > 0)
            {
                _md5.AppendData(buffer.Span[..n]);
                return n;
            }
            await _current.DisposeAsync().ConfigureAwait(false);
            _current = null;
            _partMd5s.Add(_md5.GetHashAndReset());
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _current?.Dispose();
            _md5.Dispose();
        }
        base.Dispose(disposing);
    }
}
