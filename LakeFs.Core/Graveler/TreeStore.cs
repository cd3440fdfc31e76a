using LakeFs.Storage;

namespace LakeFs.Core.Graveler;

/// <summary>
/// Reads and writes the immutable range and metarange files of a repository, with one byte-bounded cache of
/// decoded files. Files never change once written, so nothing is ever invalidated.
/// </summary>
internal sealed class TreeStore(IObjectStore store, TreeOptions options, long cacheBytes, bool durable)
{
    public const string RangePrefix = "_lakefs/ranges/";
    public const string MetaRangePrefix = "_lakefs/metaranges/";

    // Two caches keyed by file id, sharing the byte budget: no key string is built per lookup.
    private readonly LruCache<string, RangeReader> _ranges = new(cacheBytes - cacheBytes / 8, r => r.FileSize + 256);
    private readonly LruCache<string, MetaRange> _metaRanges = new(cacheBytes / 8, m => m.Cost);

    private long _rangeRequests;

    public TreeOptions Options { get; } = options;

    /// <summary>Ranges opened for reading, from the cache or the store: what a diff or commit had to look into.</summary>
    public long RangeRequests => Interlocked.Read(ref _rangeRequests);

    public async ValueTask<RangeReader> GetRangeAsync(string id, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _rangeRequests);
        if (_ranges.TryGet(id, out var cached))
        {
            return cached;
        }
        var bytes = await ReadFileAsync(RangePrefix + id, "range", id, cancellationToken).ConfigureAwait(false);
        var reader = RangeReader.Open(id, bytes);
        _ranges.Add(id, reader);
        return reader;
    }

    public async ValueTask<MetaRange> GetMetaRangeAsync(string id, CancellationToken cancellationToken)
    {
        if (_metaRanges.TryGet(id, out var cached))
        {
            return cached;
        }
        var bytes = await ReadFileAsync(MetaRangePrefix + id, "metarange", id, cancellationToken).ConfigureAwait(false);
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
        var index = tree.FindRange(key);
        if (index >= tree.Ranges.Count || tree.Ranges[index].MinKey.AsSpan().SequenceCompareTo(key) > 0)
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
        byte[] bytes;
        string id;
        if (ranges.Count == 0)
        {
            // The empty tree is the empty file; its id is the SHA-256 of no bytes, like every other id.
            bytes = [];
            id = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        }
        else
        {
            var writer = new RangeWriter(Options.BlockSize);
            foreach (var range in ranges)
            {
                writer.Add(range.MaxKey, range.EncodeValue());
            }
            var file = writer.Finish();
            bytes = file.Bytes;
            id = file.Id;
        }
        await PutFileAsync(MetaRangePrefix + id, bytes, cancellationToken).ConfigureAwait(false);
        var metaRange = new MetaRange(id, [.. ranges]);
        _metaRanges.Add(id, metaRange);
        return metaRange;
    }

    private async Task PutFileAsync(string key, byte[] bytes, CancellationToken cancellationToken)
    {
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            await store.PutAsync(key, stream, new PutOptions { IfNoneMatch = true, Durable = durable }, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageKeyExistsException)
        {
            // Content-addressed: the file there has the same bytes.
        }
    }

    private async Task<byte[]> ReadFileAsync(string key, string kind, string id, CancellationToken cancellationToken)
    {
        try
        {
            var stream = await store.OpenReadAsync(key, null, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                using var buffer = new MemoryStream();
                await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                return buffer.ToArray();
            }
        }
        catch (StorageKeyNotFoundException e)
        {
            throw new Errors.CorruptDataException($"The {kind} file '{id}' is missing from the object store.", e);
        }
    }
}
