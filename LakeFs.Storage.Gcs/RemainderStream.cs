namespace LakeFs.Storage.Gcs;

/// <summary>
/// A seekable view of an inner stream from the position it had when wrapped: the port uploads a stream from its
/// current position, while the GCS uploader rewinds seekable streams to zero.
/// </summary>
internal sealed class RemainderStream : Stream
{
    private readonly Stream _inner;
    private readonly long _start;

    public RemainderStream(Stream inner)
    {
        _inner = inner;
        _start = inner.Position;
    }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _inner.Length - _start;

    public override long Position
    {
        get => _inner.Position - _start;
        set => _inner.Position = _start + value;
    }

    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => _inner.Read(buffer);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inner.ReadAsync(buffer, cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => origin switch
    {
        SeekOrigin.Begin => _inner.Seek(_start + offset, SeekOrigin.Begin) - _start,
        SeekOrigin.Current => _inner.Seek(offset, SeekOrigin.Current) - _start,
        _ => _inner.Seek(offset, SeekOrigin.End) - _start,
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
