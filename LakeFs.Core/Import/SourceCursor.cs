using System.Buffers;
using System.Text;
using LakeFs.Core.Errors;
using LakeFs.Core.Refs;
using LakeFs.Core.Trees;
using LakeFs.Storage;

namespace LakeFs.Core.Import;

/// <summary>
/// The objects of an import source's listing as entries at their destination paths, in key order: a source key
/// <c>prefix + rest</c> becomes <c>destination + rest</c>, which keeps the listing's order. Holds one listing page of
/// the store at most (the adapter's) and one entry; folder markers are skipped and counted.
/// </summary>
internal sealed class SourceCursor : EntryCursor
{
    private const int ProgressEvery = 10_000;

    private readonly IAsyncEnumerator<ObjectStat> _listing;
    private readonly string _prefix;
    private readonly byte[] _destination;
    private readonly string? _source;
    private readonly string _shownSource;
    private readonly Action<long, long>? _progress;
    private readonly ArrayBufferWriter<byte> _value = new(128);
    private byte[] _key = new byte[256];
    private int _keyLength;
    private byte[] _previous = new byte[256];
    private int _previousLength = -1;

    /// <param name="store">The store to list.</param>
    /// <param name="prefix">The source prefix.</param>
    /// <param name="destination">The destination prefix (UTF-8).</param>
    /// <param name="source">What entries record as their source: a name, or empty for the repository's own store.</param>
    /// <param name="shownSource">The source as messages name it.</param>
    /// <param name="progress">Told the objects and bytes so far every 10,000 objects and at the end.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    public SourceCursor(IObjectStore store, string prefix, byte[] destination, string? source, string shownSource,
        Action<long, long>? progress, CancellationToken cancellationToken)
    {
        _listing = store.ListAsync(prefix, null, cancellationToken).GetAsyncEnumerator(cancellationToken);
        _prefix = prefix;
        _destination = destination;
        _source = source;
        _shownSource = shownSource;
        _progress = progress;
    }

    public long Objects { get; private set; }

    public long Bytes { get; private set; }

    public long Skipped { get; private set; }

    public override ReadOnlyMemory<byte> Key => _key.AsMemory(0, _keyLength);

    public override ReadOnlyMemory<byte> Value => _value.WrittenMemory;

    public override bool IsTombstone => false;

    public override async ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken)
    {
        while (await _listing.MoveNextAsync().ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var stat = _listing.Current;
            if (!stat.Key.StartsWith(_prefix, StringComparison.Ordinal))
            {
                throw new CorruptDataException($"The listing of {_shownSource} returned '{stat.Key}', which is outside the prefix.");
            }
            var rest = stat.Key.AsSpan(_prefix.Length);
            if (rest.Length == 0 || (rest[^1] == '/' && stat.Size == 0))
            {
                Skipped++;
                continue;
            }
            SetKey(rest);
            ValidatePath(stat.Key);
            var entry = new Entry(stat.Key, stat.Size, ChecksumOf(stat), Entry.DefaultContentType, Entry.NoMetadata, stat.LastModified) { Source = _source };
            _value.Clear();
            EntryCodec.Encode(entry, _value);
            Objects++;
            Bytes += stat.Size;
            if (Objects % ProgressEvery == 0)
            {
                _progress?.Invoke(Objects, Bytes);
            }
            return true;
        }
        _progress?.Invoke(Objects, Bytes);
        return false;
    }

    /// <summary>
    /// What identifies this version of the object without reading it: the store's ETag, else size and time. Never 64
    /// hex digits, which reads would take for a SHA-256 to check: a whole read checks the size.
    /// </summary>
    private static string ChecksumOf(ObjectStat stat) =>
        stat.ETag is { Length: > 0 and <= 200 } etag && etag.Length != 64
            ? etag.Trim('"')
            : $"size-{stat.Size}-time-{stat.LastModified.UtcTicks}";

    private void SetKey(ReadOnlySpan<char> rest)
    {
        var length = _destination.Length + Encoding.UTF8.GetByteCount(rest);
        if (_key.Length < length)
        {
            _key = new byte[Math.Max(length, _key.Length * 2)];
        }
        _destination.CopyTo(_key, 0);
        _keyLength = _destination.Length + Encoding.UTF8.GetBytes(rest, _key.AsSpan(_destination.Length));
    }

    /// <summary>The destination path must be a valid object path, and the listing strictly ascending (the port's contract).</summary>
    private void ValidatePath(string sourceKey)
    {
        var key = _key.AsSpan(0, _keyLength);
        if (_previousLength >= 0 && key.SequenceCompareTo(_previous.AsSpan(0, _previousLength)) <= 0)
        {
            throw new CorruptDataException($"The listing of {_shownSource} is not in key order at '{sourceKey}': the store breaks the object-store contract.");
        }
        try
        {
            Names.ValidatePath(Encoding.UTF8.GetString(key));
        }
        catch (InvalidPathException e)
        {
            throw new InvalidPathException($"Cannot import '{sourceKey}' of {_shownSource}: {e.Message} Nothing was imported.", e);
        }
        if (_previous.Length < _keyLength)
        {
            _previous = new byte[_key.Length];
        }
        key.CopyTo(_previous);
        _previousLength = _keyLength;
    }

    public override ValueTask DisposeAsync() => _listing.DisposeAsync();
}
