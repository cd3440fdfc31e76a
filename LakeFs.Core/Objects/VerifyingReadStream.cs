using System.Security.Cryptography;
using LakeFs.Core.Errors;

namespace LakeFs.Core.Objects;

/// <summary>
/// Passes an object's bytes through while counting them and computing their SHA-256, and when the reader reaches the
/// end compares both with what the entry recorded at put, throwing <see cref="CorruptDataException"/> on a mismatch
/// (bytes overwritten in place, a truncated or extended file). More bytes than recorded fail as soon as they arrive.
/// A seek to another position stops the check for this stream: the bytes are no longer read once, in order.
/// </summary>
internal sealed class VerifyingReadStream : Stream
{
    // A new hash costs an OpenSSL context; each thread keeps one finished hash for its next stream (as HashingStream does).
    [ThreadStatic]
    private static IncrementalHash? t_spare;

    private readonly Stream _inner;
    private readonly string _path;
    private readonly string _address;
    private readonly long _size;
    private readonly string _checksum;
    private readonly bool _hasSha256;
    private IncrementalHash? _hash;
    private long _read;
    private string? _failure;
    private bool _done;

    /// <summary>Checks <paramref name="inner"/>, read from its start, against <paramref name="size"/> and <paramref name="checksum"/>.</summary>
    /// <remarks>A checksum that is not 64 hex digits (one given to LinkObjectAsync) is not a SHA-256: only the size is checked.</remarks>
    public VerifyingReadStream(Stream inner, string path, string address, long size, string checksum)
    {
        _inner = inner;
        _path = path;
        _address = address;
        _size = size;
        _checksum = checksum;
        _hasSha256 = checksum.Length == 2 * SHA256.HashSizeInBytes && checksum.All(char.IsAsciiHexDigit);
        if (_hasSha256)
        {
            _hash = t_spare ?? IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            t_spare = null;
        }
    }

    public override bool CanRead => _inner.CanRead;

    public override bool CanSeek => _inner.CanSeek;

    public override bool CanWrite => false;

    public override long Length => _inner.Length;

    public override long Position
    {
        get => _inner.Position;
        set
        {
            if (value != _inner.Position)
            {
                StopVerifying();
            }
            _inner.Position = value;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = _inner.Read(buffer);
        Account(buffer[..n], buffer.IsEmpty);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Account(buffer.Span[..n], buffer.IsEmpty);
        return n;
    }

    private void Account(ReadOnlySpan<byte> data, bool emptyRequest)
    {
        if (_failure is not null)
        {
            throw new CorruptDataException(_failure);
        }
        if (_done || emptyRequest)
        {
            return;
        }
        if (data.IsEmpty)
        {
            Finish();
            return;
        }
        _read += data.Length;
        if (_read > _size)
        {
            Fail($"the object store holds more than the {_size} bytes recorded when it was written");
        }
        _hash?.AppendData(data);
    }

    private void Finish()
    {
        _done = true;
        if (_read != _size)
        {
            Fail($"read {_read} bytes, but {_size} were recorded when it was written (the file was truncated)");
        }
        if (_hash is null)
        {
            return;
        }
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        _hash.GetHashAndReset(digest);
        ReturnHash();
        var actual = Convert.ToHexStringLower(digest);
        if (!string.Equals(actual, _checksum, StringComparison.OrdinalIgnoreCase))
        {
            Fail($"its SHA-256 is {actual}, but {_checksum} was recorded when it was written (the bytes were changed in place)");
        }
    }

    private void Fail(string what)
    {
        _failure = $"The bytes of '{_path}' at physical address '{_address}' are not the ones written: {what}. "
            + "Something changed the object in the object store; restore it from a copy or overwrite the path with the right bytes. "
            + "(RepositoryOptions.VerifyContentChecksums turns this check off.)";
        StopVerifying();
        throw new CorruptDataException(_failure);
    }

    private void StopVerifying()
    {
        _done = true;
        _hash?.Dispose();
        _hash = null;
    }

    private void ReturnHash()
    {
        if (t_spare is null)
        {
            t_spare = _hash;
        }
        else
        {
            _hash!.Dispose();
        }
        _hash = null;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        if (!(origin == SeekOrigin.Current && offset == 0))
        {
            StopVerifying();
        }
        return _inner.Seek(offset, origin);
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash?.Dispose();
            _hash = null;
            _inner.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        _hash?.Dispose();
        _hash = null;
        await _inner.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }
}
