using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using LakeFs.Storage;

namespace LakeFs.Core.Trees;

/// <summary>
/// Reads and writes the immutable range and metarange files of a repository, with one byte-bounded cache of
/// files opened by point reads (passes read through scratch buffers it lends out and takes back, see
/// <see cref="RentScratch"/>). Files never change once written, so nothing is ever invalidated.
/// </summary>
internal sealed class TreeStore(IObjectStore store, TreeOptions options, long cacheBytes, bool durable)
{
    public const string RangePrefix = "_lakefs/ranges/";
    public const string MetaRangePrefix = "_lakefs/metaranges/";

    /// <summary>Where the content-addressed files live: written once, never changed, so a file cache may keep them.</summary>
    public static readonly IReadOnlyList<string> ImmutablePrefixes = [RangePrefix, MetaRangePrefix];

    /// <summary>The empty tree is the empty file; its id is the SHA-256 of no bytes, like every other id.</summary>
    public static readonly string EmptyMetaRangeId = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(ReadOnlySpan<byte>.Empty));

    // Two caches keyed by file id, sharing the byte budget: no key string is built per lookup.
    private readonly ClockCache<string, RangeReader> _ranges = new(cacheBytes - cacheBytes / 8, r => r.FileSize + 256, "range");
    private readonly ClockCache<string, MetaRange> _metaRanges = new(cacheBytes / 8, m => m.Cost, "metarange");

    // Buffers lent to passes and builders and taken back when they finish. Every commit, diff and merge needs a
    // range writer and read buffers as large as its largest range; fresh ones cost page faults each time, which
    // dominated small commits on this project's VM (1 change in a 2,966-entry range: 9.8 → 5.1 ms once reused).
    // At most a few of each are kept, none over MaxPooledBytes.
    private const int MaxPooled = 8;
    private const int MaxPooledBytes = 8 * 1024 * 1024;
    private readonly ConcurrentQueue<ArrayBufferWriter<byte>> _scratchPool = new();
    private readonly ConcurrentQueue<RangeWriter> _writerPool = new();

    private long _rangeRequests;
    private long _blocksSkipped;

    public TreeOptions Options { get; } = options;

    /// <summary>Ranges opened for reading, from the cache or the store: what a diff or commit had to look into.</summary>
    public long RangeRequests => Interlocked.Read(ref _rangeRequests);

    /// <summary>Data blocks that diffs passed over whole because both sides held the same bytes.</summary>
    public long BlocksSkipped => Interlocked.Read(ref _blocksSkipped);

    public void NoteBlocksSkipped(int blocks) => Interlocked.Add(ref _blocksSkipped, blocks);

    /// <summary>A range, from the cache (completing at once, with no state machine) or read from the store and cached.</summary>
    public ValueTask<RangeReader> GetRangeAsync(string id, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _rangeRequests);
        return _ranges.TryGet(id, out var cached) ? new(cached) : LoadRangeAsync(id, cancellationToken);
    }

    private async ValueTask<RangeReader> LoadRangeAsync(string id, CancellationToken cancellationToken)
    {
        var bytes = await ReadFileAsync(RangePrefix + id, "range", id, null, cancellationToken).ConfigureAwait(false);
        var reader = RangeReader.Open(id, bytes);
        _ranges.Add(id, reader);
        return reader;
    }

    /// <summary>
    /// A range for one pass over it (a commit's rewrite, a diff): the cached reader when there is one, otherwise
    /// the file read into <paramref name="scratch"/> and not cached, valid until <paramref name="scratch"/> is used
    /// again. A pass streams through many ranges once; reusing one buffer spares the cache that churn and the
    /// process fresh memory for every range (measured: page faults on fresh memory dominated a commit of 100
    /// random changes on this project's VM). Tried and dropped: caching a range on its second pass read made
    /// repeated diffs fast but a merge right after a commit slower (its second read paid the fresh memory).
    /// </summary>
    public async ValueTask<RangeReader> GetRangeForPassAsync(string id, ArrayBufferWriter<byte> scratch, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _rangeRequests);
        if (_ranges.TryGet(id, out var cached))
        {
            return cached;
        }
        var bytes = await ReadFileAsync(RangePrefix + id, "range", id, scratch, cancellationToken).ConfigureAwait(false);
        return RangeReader.Open(id, bytes);
    }

    /// <summary>An empty buffer for range reads (<see cref="GetRangeForPassAsync"/>); give it back with <see cref="Return(ArrayBufferWriter{byte})"/>.</summary>
    public ArrayBufferWriter<byte> RentScratch() => _scratchPool.TryDequeue(out var scratch) ? scratch : new ArrayBufferWriter<byte>();

    /// <summary>Takes back a buffer from <see cref="RentScratch"/>; nothing read into it may be used afterwards.</summary>
    public void Return(ArrayBufferWriter<byte> scratch)
    {
        if (_scratchPool.Count < MaxPooled && scratch.Capacity <= MaxPooledBytes)
        {
            scratch.ResetWrittenCount();
            _scratchPool.Enqueue(scratch);
        }
    }

    /// <summary>Read buffers given back and waiting for reuse.</summary>
    internal int PooledScratchCount => _scratchPool.Count;

    /// <summary>Range writers given back and waiting for reuse.</summary>
    internal int PooledWriterCount => _writerPool.Count;

    /// <summary>An empty range writer with this store's block size; give it back with <see cref="Return(RangeWriter)"/>.</summary>
    public RangeWriter RentWriter() => _writerPool.TryDequeue(out var writer) ? writer : new RangeWriter(Options.BlockSize);

    /// <summary>Takes back a writer from <see cref="RentWriter"/>; bytes it finished in place may not be used afterwards.</summary>
    public void Return(RangeWriter writer)
    {
        if (_writerPool.Count < MaxPooled && writer.BufferCapacity <= MaxPooledBytes)
        {
            writer.Reset();
            _writerPool.Enqueue(writer);
        }
    }

    public ValueTask<MetaRange> GetMetaRangeAsync(string id, CancellationToken cancellationToken) =>
        _metaRanges.TryGet(id, out var cached) ? new(cached) : LoadMetaRangeAsync(id, cancellationToken);

    private async ValueTask<MetaRange> LoadMetaRangeAsync(string id, CancellationToken cancellationToken)
    {
        var bytes = await ReadFileAsync(MetaRangePrefix + id, "metarange", id, null, cancellationToken).ConfigureAwait(false);
        var ranges = new List<RangeRef>();
        if (bytes.Length > 0)
        {
            var cursor = RangeReader.Open(id, bytes).CreateCursor();
            while (cursor.MoveNext())
            {
                ranges.Add(RangeRef.Decode(cursor.Key, cursor.Value.Span));
            }
        }
        var metaRange = new MetaRange(id, [.. ranges]);
        _metaRanges.Add(id, metaRange);
        return metaRange;
    }

    /// <summary>The entry at <paramref name="key"/> in a tree, or null: one metarange search, one range lookup.</summary>
    public async ValueTask<Entry?> GetEntryAsync(MetaRange tree, byte[] key, CancellationToken cancellationToken)
    {
        var index = tree.FindRangeHolding(key);
        if (index < 0)
        {
            return null;
        }
        var range = await GetRangeAsync(tree.Ranges[index].Id, cancellationToken).ConfigureAwait(false);
        return range.TryGet(key, out var value) ? EntryCodec.Decode(value.Span) : null;
    }

    /// <summary>Writes a range file unless a file with its id exists already (same id, same bytes).</summary>
    public Task PutRangeAsync(RangeFile file, CancellationToken cancellationToken) =>
        PutFileAsync(RangePrefix + file.Id, file.Bytes, cancellationToken);

    /// <summary>Writes the metarange of <paramref name="ranges"/> and returns its id.</summary>
    public async Task<MetaRange> PutMetaRangeAsync(IReadOnlyList<RangeRef> ranges, CancellationToken cancellationToken)
    {
        string id;
        if (ranges.Count == 0)
        {
            id = EmptyMetaRangeId;
            await PutFileAsync(MetaRangePrefix + id, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var writer = RentWriter();
            var value = RentScratch();
            try
            {
                foreach (var range in ranges)
                {
                    value.ResetWrittenCount();
                    range.EncodeValue(value);
                    writer.Add(range.MaxKey, value.WrittenSpan);
                }
                var file = writer.FinishInPlace();
                id = file.Id;
                await PutFileAsync(MetaRangePrefix + id, file.Bytes, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Return(value);
                Return(writer);
            }
        }
        var metaRange = new MetaRange(id, [.. ranges]);
        _metaRanges.Add(id, metaRange);
        return metaRange;
    }

    private async Task PutFileAsync(string key, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        try
        {
            using var stream = MemoryMarshal.TryGetArray(bytes, out var segment)
                ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
                : new MemoryStream(bytes.ToArray(), writable: false);
            await store.PutAsync(key, stream, new PutOptions { IfNoneMatch = true, Durable = durable }, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageKeyExistsException)
        {
            // Content-addressed: a whole file there has the same bytes. One of another size is a leftover no reader
            // can use (a partial file a store let through, or one a power cut cut short before it was synced), and
            // taking it would make this commit's tree unreadable: replace it. One stat, on this rare path only.
            if ((await store.StatAsync(key, cancellationToken).ConfigureAwait(false))?.Size != bytes.Length)
            {
                using var again = new MemoryStream(bytes.ToArray(), writable: false);
                await store.PutAsync(key, again, new PutOptions { Durable = durable }, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A whole file: into <paramref name="scratch"/> when given, else into a new array of its exact size.</summary>
    private async Task<ReadOnlyMemory<byte>> ReadFileAsync(string key, string kind, string id, ArrayBufferWriter<byte>? scratch, CancellationToken cancellationToken)
    {
        try
        {
            var stream = await store.OpenReadAsync(key, null, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                scratch?.ResetWrittenCount();
                if (stream.CanSeek && stream.Position is var start && stream.Length - start is var length && length < Array.MaxLength)
                {
                    // Known size (local files): one read into a buffer of exactly that size, plus one byte to see
                    // the end (a file that grew meanwhile falls through to the general copy below).
                    var buffer = scratch is null ? new byte[length + 1] : scratch.GetMemory((int)length + 1);
                    var read = await stream.ReadAtLeastAsync(buffer, (int)length + 1, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                    if (read == length)
                    {
                        scratch?.Advance(read);
                        return buffer[..read];
                    }
                    stream.Position = start;
                }
                using var copy = new MemoryStream();
                await stream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
                if (scratch is null)
                {
                    return copy.ToArray();
                }
                scratch.Write(copy.GetBuffer().AsSpan(0, (int)copy.Length));
                return scratch.WrittenMemory;
            }
        }
        catch (StorageKeyNotFoundException e)
        {
            throw new Errors.CorruptDataException($"The {kind} file '{id}' is missing from the object store.", e);
        }
    }
}
