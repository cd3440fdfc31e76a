using Microsoft.Win32.SafeHandles;

namespace LakeFs.Storage.Local;

/// <summary>
/// A read-only, seekable view of bytes [start, start + length) of a local file; owns the file handle. A read of
/// 4 KiB or more is one positional read (pread) straight into the caller's buffer; smaller reads are served
/// from a 4 KiB read-ahead, so a reader that takes a few bytes at a time does not pay a system call for each.
/// Asynchronous reads complete synchronously: a local read is a page-cache copy or a short disk read, and an
/// asynchronous path would only add a thread-pool round trip per read (on Unix it runs the same blocking read
/// on a pool thread).
/// </summary>
internal sealed class LocalReadStream : Stream
{
    private readonly SafeFileHandle _file;
    private readonly long _start;
    private readonly long _length;
    private const int ReadAhead = 4096;

    private long _position;
    private byte[]? _ahead;
    private long _aheadStart;
    private int _aheadLength;

    private LocalReadStream(SafeFileHandle file, long start, long length)
    {
        _file = file;
        _start = start;
        _length = length;
    }

    /// <summary>
    /// A view of <paramref name="range"/> (the whole file when null) of a file <paramref name="fileLength"/> bytes
    /// long, cut at its end; the stream owns <paramref name="file"/>.
    /// </summary>
    public static LocalReadStream Open(SafeFileHandle file, long fileLength, ByteRange? range)
    {
        long start = Math.Min(range?.Offset ?? 0, fileLength);
        return new LocalReadStream(file, start, Math.Min(range?.Length ?? long.MaxValue, fileLength - start));
    }

    /// <summary>As <see cref="Open(SafeFileHandle, long, ByteRange?)"/>, asking the file its length; disposes the handle when that fails.</summary>
    public static LocalReadStream Open(SafeFileHandle file, ByteRange? range)
    {
        long fileLength;
        try
        {
            fileLength = RandomAccess.GetLength(file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
        return Open(file, fileLength, range);
    }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        long remaining = _length - _position;
        if (remaining <= 0 || buffer.IsEmpty)
        {
            return 0;
        }
        int n;
        if (_position >= _aheadStart && _position < _aheadStart + _aheadLength)
        {
            n = (int)Math.Min(buffer.Length, _aheadStart + _aheadLength - _position);
            _ahead.AsSpan((int)(_position - _aheadStart), n).CopyTo(buffer);
        }
        else if (buffer.Length >= ReadAhead)
        {
            n = RandomAccess.Read(_file, buffer[..(int)Math.Min(buffer.Length, remaining)], _start + _position);
        }
        else
        {
            _ahead ??= new byte[ReadAhead];
            _aheadStart = _position;
            _aheadLength = RandomAccess.Read(_file, _ahead.AsSpan(0, (int)Math.Min(ReadAhead, remaining)), _start + _position);
            n = Math.Min(buffer.Length, _aheadLength);
            _ahead.AsSpan(0, n).CopyTo(buffer);
        }
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }
        try
        {
            return ValueTask.FromResult(Read(buffer.Span));
        }
        catch (Exception e)
        {
            return ValueTask.FromException<int>(e);
        }
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        long target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => _length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        ArgumentOutOfRangeException.ThrowIfNegative(target, nameof(offset));
        _position = target;
        return target;
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
            _file.Dispose();
        }
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync()
    {
        _file.Dispose();
        return base.DisposeAsync();
    }
}
