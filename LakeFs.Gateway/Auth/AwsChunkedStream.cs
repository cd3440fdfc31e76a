using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LakeFs.Gateway.Protocol;

namespace LakeFs.Gateway.Auth;

/// <summary>
/// Decodes an <c>aws-chunked</c> body (<c>&lt;hex size&gt;[;chunk-signature=&lt;sig&gt;]\r\n&lt;bytes&gt;\r\n … 0…\r\n[trailers]\r\n</c>)
/// into the object's bytes. For signed streaming payloads every chunk's signature is checked against the chain
/// seeded by the request signature, and so is the trailer's; a body that ends early, runs long or breaks the format
/// is refused. Chunk bytes pass through while their hash is computed, and the signature is checked at the chunk's
/// end, so a bad chunk fails the read before the body ends (and the write it feeds is not acknowledged).
/// </summary>
internal sealed class AwsChunkedStream : PayloadStream
{
    private const int MaxLineBytes = 4096;
    private const int MaxTrailerLines = 16;
    private static readonly string EmptyHash = SignatureV4.Hex(SHA256.HashData([]));

    private readonly Stream _inner;
    private readonly SigningContext? _signing;
    private readonly bool _trailer;
    private readonly long? _decodedLength;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly IncrementalHash _chunkHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private int _start;
    private int _end;
    private long _remaining;
    private bool _inChunk;
    private bool _done;
    private string? _chunkSignature;
    private string _previousSignature;
    private long _total;
    private readonly Dictionary<string, string> _trailers = new(StringComparer.Ordinal);

    /// <param name="inner">The raw request body.</param>
    /// <param name="signing">The request's signing context for signed chunks; null for STREAMING-UNSIGNED-PAYLOAD-TRAILER.</param>
    /// <param name="trailer">Whether trailing headers follow the last chunk.</param>
    /// <param name="decodedLength">x-amz-decoded-content-length, when sent.</param>
    public AwsChunkedStream(Stream inner, SigningContext? signing, bool trailer, long? decodedLength)
    {
        _inner = inner;
        _signing = signing;
        _trailer = trailer;
        _decodedLength = decodedLength;
        _previousSignature = signing?.Signature ?? "";
    }

    /// <summary>The value of the trailing header <paramref name="name"/> (lower case), once the body has been read to its end; else null.</summary>
    public string? Trailer(string name) => _done && _trailers.TryGetValue(name, out var value) ? value : null;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!_done)
        {
            if (_inChunk && _remaining == 0)
            {
                await ExpectLineEndAsync(cancellationToken).ConfigureAwait(false);
                VerifyChunk(_chunkHash.GetHashAndReset());
                _inChunk = false;
            }
            if (!_inChunk)
            {
                await StartChunkAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (buffer.Length == 0)
            {
                return 0;
            }
            if (_start == _end && !await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                throw Incomplete();
            }
            var n = (int)Math.Min(Math.Min(buffer.Length, _end - _start), _remaining);
            var bytes = _buffer.AsSpan(_start, n);
            bytes.CopyTo(buffer.Span);
            _chunkHash.AppendData(bytes);
            _start += n;
            _remaining -= n;
            _total += n;
            return n;
        }
        return 0;
    }

    private async Task StartChunkAsync(CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
        var semicolon = line.IndexOf(';', StringComparison.Ordinal);
        var sizeText = semicolon < 0 ? line : line[..semicolon];
        if (!long.TryParse(sizeText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size) || size < 0 || sizeText.Length > 16)
        {
            throw Malformed($"the chunk header '{Printable(line)}' does not start with a hex size");
        }
        _chunkSignature = null;
        if (semicolon >= 0)
        {
            const string name = "chunk-signature=";
            var extension = line[(semicolon + 1)..];
            if (extension.StartsWith(name, StringComparison.Ordinal))
            {
                _chunkSignature = extension[name.Length..];
            }
        }
        if (_signing is not null && _chunkSignature is null)
        {
            throw S3Exception.SignatureDoesNotMatch("A chunk of a signed streaming payload carries no chunk-signature.");
        }
        if (size > 0)
        {
            _inChunk = true;
            _remaining = size;
            return;
        }
        VerifyChunk(SHA256.HashData([]));
        if (_trailer)
        {
            await ReadTrailersAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await ExpectLineEndAsync(cancellationToken).ConfigureAwait(false);
        }
        if (_decodedLength is { } expected && expected != _total)
        {
            throw Incomplete();
        }
        _done = true;
    }

    private void VerifyChunk(byte[] chunkHash)
    {
        if (_signing is null)
        {
            return;
        }
        var stringToSign = $"{SignatureV4.Algorithm}-PAYLOAD\n{_signing.AmzDate}\n{_signing.Scope}\n{_previousSignature}\n{EmptyHash}\n{SignatureV4.Hex(chunkHash)}";
        var expected = SignatureV4.Hex(HMACSHA256.HashData(_signing.SigningKey, Encoding.UTF8.GetBytes(stringToSign)));
        if (!SignatureV4.FixedTimeEquals(expected, _chunkSignature!))
        {
            throw S3Exception.SignatureDoesNotMatch("A chunk's signature does not match its bytes: the body was changed or signed with another key.");
        }
        _previousSignature = expected;
    }

    private async Task ReadTrailersAsync(CancellationToken cancellationToken)
    {
        var canonical = new StringBuilder();
        string? trailerSignature = null;
        for (var lines = 0; ; lines++)
        {
            if (lines > MaxTrailerLines)
            {
                throw Malformed("too many trailing headers");
            }
            var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line.Length == 0)
            {
                break;
            }
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw Malformed($"the trailing header '{Printable(line)}' has no name");
            }
            var name = line[..colon].Trim().ToLowerInvariant();
            var value = line[(colon + 1)..].Trim();
            if (name == "x-amz-trailer-signature")
            {
                trailerSignature = value;
                continue;
            }
            _trailers[name] = value;
            canonical.Append(name).Append(':').Append(value).Append('\n');
        }
        if (_signing is null)
        {
            return;
        }
        if (trailerSignature is null)
        {
            throw S3Exception.SignatureDoesNotMatch("A signed streaming payload with trailers carries no x-amz-trailer-signature.");
        }
        var trailerHash = SignatureV4.Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));
        var stringToSign = $"{SignatureV4.Algorithm}-TRAILER\n{_signing.AmzDate}\n{_signing.Scope}\n{_previousSignature}\n{trailerHash}";
        var expected = SignatureV4.Hex(HMACSHA256.HashData(_signing.SigningKey, Encoding.UTF8.GetBytes(stringToSign)));
        if (!SignatureV4.FixedTimeEquals(expected, trailerSignature))
        {
            throw S3Exception.SignatureDoesNotMatch("The trailer's signature does not match the trailing headers.");
        }
    }

    private async Task ExpectLineEndAsync(CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
        if (line.Length != 0)
        {
            throw Malformed("a chunk is longer than its declared size");
        }
    }

    /// <summary>Reads up to the next CRLF (at most <see cref="MaxLineBytes"/> bytes) as ASCII, without the CRLF.</summary>
    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        while (true)
        {
            if (_start == _end && !await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                throw Incomplete();
            }
            var span = _buffer.AsSpan(_start, _end - _start);
            var newline = span.IndexOf((byte)'\n');
            var take = newline < 0 ? span.Length : newline;
            line.Append(Encoding.ASCII.GetString(span[..take]));
            _start += newline < 0 ? take : take + 1;
            if (line.Length > MaxLineBytes)
            {
                throw Malformed("a chunk header or trailer line is too long");
            }
            if (newline >= 0)
            {
                if (line.Length == 0 || line[^1] != '\r')
                {
                    throw Malformed("a line does not end with CRLF");
                }
                return line.ToString(0, line.Length - 1);
            }
        }
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        _start = 0;
        _end = await _inner.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
        return _end > 0;
    }

    private static S3Exception Incomplete() =>
        new(400, "IncompleteBody", "The aws-chunked body ended before its last chunk, or its decoded length differs from x-amz-decoded-content-length.");

    private static S3Exception Malformed(string what) => new(400, "InvalidRequest", $"The aws-chunked body is malformed: {what}.");

    private static string Printable(string line) => line.Length > 80 ? line[..80] + "…" : line;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _chunkHash.Dispose();
        }
        base.Dispose(disposing);
    }
}
