using System.Runtime.CompilerServices;
using LakeFs.Storage;

namespace LakeFs.Core.Tests.Storage;

/// <summary>
/// An object store that fails at random, the way a disk or a network does, while keeping the port's contract (a
/// reader sees an object whole or not at all): I/O errors (transient or not) before a call reaches the store, a
/// timeout after a wait, a torn upload (part of the body read, nothing stored), a lost answer (the put or delete
/// done, the caller told it failed), a read that breaks part way through the bytes, and slow calls. Seeded, so a
/// run replays; <see cref="Enabled"/> turns every fault off. With <c>tornVisible</c>, a torn upload leaves the part
/// it sent at the key, as a file system can after a power cut (outside the port's contract).
/// </summary>
internal sealed class FaultyObjectStore(IObjectStore inner, int seed, double faultRate, bool tornVisible = false) : IObjectStore
{
    private readonly Random _random = new(seed);
    private long _faults;

    public bool Enabled { get; set; } = true;

    /// <summary>Faults injected so far.</summary>
    public long Faults => Interlocked.Read(ref _faults);

    private enum Fault
    {
        None,
        IoError,
        Transient,
        Timeout,
        Torn,
        LostAnswer,
        BrokenRead,
        Slow,
    }

    private Fault Next(params Fault[] kinds)
    {
        if (!Enabled)
        {
            return Fault.None;
        }
        lock (_random)
        {
            if (_random.NextDouble() >= faultRate)
            {
                return Fault.None;
            }
            Interlocked.Increment(ref _faults);
            return kinds[_random.Next(kinds.Length)];
        }
    }

    private int NextInt(int max)
    {
        lock (_random)
        {
            return _random.Next(max);
        }
    }

    /// <summary>The faults every call can meet before it reaches the store.</summary>
    private async Task BeforeAsync(Fault fault, string operation, string key, CancellationToken cancellationToken)
    {
        switch (fault)
        {
            case Fault.IoError:
                throw new StorageException($"Injected I/O error: {operation} '{key}'.");
            case Fault.Transient:
                throw new TransientStorageException($"Injected transient error: {operation} '{key}'.");
            case Fault.Timeout:
                await Task.Delay(1 + NextInt(5), cancellationToken).ConfigureAwait(false);
                throw new TransientStorageException($"Injected timeout: {operation} '{key}'.");
            case Fault.Slow:
                await Task.Delay(1 + NextInt(10), cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    public async Task<ObjectStat> PutAsync(string key, Stream content, PutOptions? options = null, CancellationToken cancellationToken = default)
    {
        var fault = Next(Fault.IoError, Fault.Transient, Fault.Timeout, Fault.Torn, Fault.LostAnswer, Fault.Slow);
        await BeforeAsync(fault, "put", key, cancellationToken).ConfigureAwait(false);
        if (fault == Fault.Torn)
        {
            var part = new byte[1 + NextInt(512)];
            var read = await content.ReadAtLeastAsync(part, part.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (tornVisible)
            {
                // Outside the port's contract, but what a file system does to an unsynced file at a power cut.
                await inner.PutAsync(key, new MemoryStream(part, 0, read), options, cancellationToken).ConfigureAwait(false);
            }
            throw new TransientStorageException($"Injected torn upload: put '{key}' lost its connection part way through the body{(tornVisible ? ", leaving the part it sent" : "; nothing was stored")}.");
        }
        var stat = await inner.PutAsync(key, content, options, cancellationToken).ConfigureAwait(false);
        return fault == Fault.LostAnswer
            ? throw new TransientStorageException($"Injected lost answer: put '{key}' was stored, but the answer did not arrive.")
            : stat;
    }

    public async Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        var fault = Next(Fault.IoError, Fault.Transient, Fault.Timeout, Fault.BrokenRead, Fault.Slow);
        await BeforeAsync(fault, "read", key, cancellationToken).ConfigureAwait(false);
        var stream = await inner.OpenReadAsync(key, range, cancellationToken).ConfigureAwait(false);
        return fault == Fault.BrokenRead ? new BreakingStream(stream, NextInt(4096), key) : stream;
    }

    public async Task<ObjectStat?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        await BeforeAsync(Next(Fault.IoError, Fault.Transient, Fault.Timeout, Fault.Slow), "stat", key, cancellationToken).ConfigureAwait(false);
        return await inner.StatAsync(key, cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<ObjectStat> ListAsync(string prefix, string? startAfter = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await BeforeAsync(Next(Fault.IoError, Fault.Transient, Fault.Timeout, Fault.Slow), "list", prefix, cancellationToken).ConfigureAwait(false);
        await foreach (var stat in inner.ListAsync(prefix, startAfter, cancellationToken).ConfigureAwait(false))
        {
            yield return stat;
        }
    }

    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var fault = Next(Fault.IoError, Fault.Transient, Fault.Timeout, Fault.LostAnswer, Fault.Slow);
        await BeforeAsync(fault, "delete", key, cancellationToken).ConfigureAwait(false);
        var deleted = await inner.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        return fault == Fault.LostAnswer ? throw new TransientStorageException($"Injected lost answer: delete '{key}' was done, but the answer did not arrive.") : deleted;
    }

    /// <summary>A read whose connection breaks after <paramref name="after"/> bytes.</summary>
    private sealed class BreakingStream(Stream inner, int after, string key) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            Check();
            var read = inner.Read(buffer[..(int)Math.Min(buffer.Length, Math.Max(1, after - _read))]);
            _read += read;
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Check();
            var read = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, Math.Max(1, after - _read))], cancellationToken).ConfigureAwait(false);
            _read += read;
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private void Check()
        {
            if (_read >= after)
            {
                throw new TransientStorageException($"Injected broken read: the connection reading '{key}' broke after {_read} bytes.");
            }
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
