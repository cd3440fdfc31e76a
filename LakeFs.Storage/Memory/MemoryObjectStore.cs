using System.Runtime.CompilerServices;

namespace LakeFs.Storage.Memory;

/// <summary>
/// A thread-safe <see cref="IObjectStore"/> kept in memory, with the same semantics as the other adapters:
/// the key rules, UTF-8 key order in listings, conditional creates and ranged reads.
/// Bytes are copied on put and on read, so callers can never change a stored object. Meant for tests.
/// </summary>
public sealed class MemoryObjectStore : IObjectStore
{
    private const int ListingPageSize = 256;

    private readonly Lock _lock = new();
    private readonly List<string> _keys = [];
    private readonly Dictionary<string, MemoryObject> _objects = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private long _version;

    /// <summary>Creates an empty store whose object times come from <paramref name="timeProvider"/> (the system clock by default).</summary>
    public MemoryObjectStore(TimeProvider? timeProvider = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Number of objects in the store.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _keys.Count;
            }
        }
    }

    /// <inheritdoc/>
    public async Task<ObjectStat> PutAsync(string key, Stream content, PutOptions? options = null, CancellationToken cancellationToken = default)
    {
        StorageKeys.Validate(key);
        ArgumentNullException.ThrowIfNull(content);
        cancellationToken.ThrowIfCancellationRequested();
        options ??= PutOptions.Default;

        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        byte[] bytes = buffer.ToArray();

        lock (_lock)
        {
            bool exists = _objects.ContainsKey(key);
            if (exists && options.IfNoneMatch)
            {
                throw new StorageKeyExistsException($"An object with key '{key}' already exists.");
            }
            var stat = new ObjectStat
            {
                Key = key,
                Size = bytes.Length,
                LastModified = _timeProvider.GetUtcNow(),
                ETag = (++_version).ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            _objects[key] = new MemoryObject(bytes, stat);
            if (!exists)
            {
                _keys.Insert(~_keys.BinarySearch(key, StorageKeys.Comparer), key);
            }
            return stat;
        }
    }

    /// <inheritdoc/>
    public Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        StorageKeys.Validate(key);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<Stream>(cancellationToken);
        }
        MemoryObject stored;
        lock (_lock)
        {
            if (!_objects.TryGetValue(key, out stored!))
            {
                return Task.FromException<Stream>(new StorageKeyNotFoundException($"No object has key '{key}'."));
            }
        }
        long length = stored.Bytes.Length;
        long offset = Math.Min(range?.Offset ?? 0, length);
        long count = Math.Min(range?.Length ?? long.MaxValue, length - offset);
        byte[] copy = stored.Bytes.AsSpan((int)offset, (int)count).ToArray();
        return Task.FromResult<Stream>(new MemoryStream(copy, writable: false));
    }

    /// <inheritdoc/>
    public Task<ObjectStat?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        StorageKeys.Validate(key);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<ObjectStat?>(cancellationToken);
        }
        lock (_lock)
        {
            return Task.FromResult(_objects.TryGetValue(key, out var stored) ? stored.Stat : null);
        }
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<ObjectStat> ListAsync(string prefix, string? startAfter = null, CancellationToken cancellationToken = default)
    {
        StorageKeys.ValidatePrefix(prefix);
        return ListCoreAsync(prefix, startAfter, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        StorageKeys.Validate(key);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<bool>(cancellationToken);
        }
        lock (_lock)
        {
            if (!_objects.Remove(key))
            {
                return Task.FromResult(false);
            }
            _keys.RemoveAt(_keys.BinarySearch(key, StorageKeys.Comparer));
            return Task.FromResult(true);
        }
    }

    private async IAsyncEnumerable<ObjectStat> ListCoreAsync(string prefix, string? startAfter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Pages are taken under the lock and yielded outside it; each page resumes after the last key yielded.
        string? after = startAfter is not null && StorageKeys.Compare(startAfter, prefix) >= 0 ? startAfter : null;
        var page = new List<ObjectStat>(ListingPageSize);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            page.Clear();
            lock (_lock)
            {
                int index = after is null ? LowerBound(prefix, inclusive: true) : LowerBound(after, inclusive: false);
                for (; index < _keys.Count && page.Count < ListingPageSize; index++)
                {
                    string key = _keys[index];
                    if (!key.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        break;
                    }
                    page.Add(_objects[key].Stat);
                }
            }
            foreach (var stat in page)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return stat;
            }
            if (page.Count < ListingPageSize)
            {
                yield break;
            }
            after = page[^1].Key;
        }
    }

    /// <summary>Index of the first key at or after (<paramref name="inclusive"/>) or strictly after <paramref name="bound"/>.</summary>
    private int LowerBound(string bound, bool inclusive)
    {
        int index = _keys.BinarySearch(bound, StorageKeys.Comparer);
        return index >= 0 ? (inclusive ? index : index + 1) : ~index;
    }
}
