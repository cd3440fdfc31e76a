using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using LakeFs.Storage.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;

namespace LakeFs.Storage;

/// <summary>
/// Keeps local-disk copies of immutable objects (keys under the immutable prefixes given to the constructor) read
/// from a slower store, bounded in bytes with least-recently-read eviction. The first read of such a key fetches the
/// whole object into the cache folder (a temporary file renamed into place); later reads, whole or ranged, come from
/// disk. The objects never change, so nothing is ever invalidated; a put or delete of a cached key drops its copy.
/// Other keys, and every other operation, go straight to the inner store.
/// </summary>
public sealed class CachingObjectStore : IObjectStore
{
    private const string TempPrefix = ".tmp-";
    private readonly IObjectStore _inner;
    private readonly FileCacheOptions _options;
    private readonly string[] _immutablePrefixes;
    private readonly object _gate = new();
    private readonly Dictionary<string, LinkedListNode<CachedFile>> _files = new(StringComparer.Ordinal);
    private readonly LinkedList<CachedFile> _recency = new();
    private readonly ConcurrentDictionary<string, Lazy<Task<bool>>> _fetches = new(StringComparer.Ordinal);
    private readonly ILogger _logger;
    private long _bytes;

    /// <summary>
    /// Wraps <paramref name="inner"/>, caching keys under <paramref name="immutablePrefixes"/> only: a key there must be
    /// written once and never change. The cache starts empty: files an earlier instance left in the folder are removed, so
    /// two instances must not share a folder. A repository
    /// builds this store itself when its options name a file cache, with the prefixes of its range and metarange files.
    /// Reads that the cache answers or misses count in the <c>lakefs.cache.hits</c> and <c>lakefs.cache.misses</c>
    /// counters of the <c>LakeFs</c> meter (tagged <c>lakefs.cache=file</c>).
    /// </summary>
    /// <param name="inner">The slower store.</param>
    /// <param name="options">Where the files go and how many bytes they may take.</param>
    /// <param name="immutablePrefixes">Prefixes of the keys to cache.</param>
    /// <param name="logger">Logs what is cached, at Debug (default: none).</param>
    public CachingObjectStore(IObjectStore inner, FileCacheOptions options, IReadOnlyList<string> immutablePrefixes, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(immutablePrefixes);
        ArgumentException.ThrowIfNullOrEmpty(options.Folder);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxBytes);
        _inner = inner;
        _options = options;
        _immutablePrefixes = [.. immutablePrefixes];
        _logger = logger ?? NullLogger.Instance;
        Directory.CreateDirectory(options.Folder);
        LoadExistingFiles();
    }

    /// <summary>The wrapped store.</summary>
    public IObjectStore Inner => _inner;

    /// <summary>Bytes the cached files take now.</summary>
    public long CachedBytes
    {
        get
        {
            lock (_gate)
            {
                return _bytes;
            }
        }
    }

    /// <inheritdoc />
    public async Task<ObjectStat> PutAsync(string key, Stream content, PutOptions? options = null, CancellationToken cancellationToken = default)
    {
        var stat = await _inner.PutAsync(key, content, options, cancellationToken).ConfigureAwait(false);
        Forget(key);
        return stat;
    }

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        if (!IsCacheable(key))
        {
            return await _inner.OpenReadAsync(key, range, cancellationToken).ConfigureAwait(false);
        }
        cancellationToken.ThrowIfCancellationRequested();
        if (TryOpenCached(key, range) is { } cached)
        {
            LakeFsTelemetry.CacheLookup(hit: true, "file");
            return cached;
        }
        LakeFsTelemetry.CacheLookup(hit: false, "file");
        var fetch = _fetches.GetOrAdd(key, k => new Lazy<Task<bool>>(() => FetchAsync(k, cancellationToken)));
        bool stored;
        try
        {
            stored = await fetch.Value.ConfigureAwait(false);
        }
        finally
        {
            _fetches.TryRemove(new KeyValuePair<string, Lazy<Task<bool>>>(key, fetch));
        }
        return stored && TryOpenCached(key, range) is { } fetched
            ? fetched
            : await _inner.OpenReadAsync(key, range, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<ObjectStat?> StatAsync(string key, CancellationToken cancellationToken = default) => _inner.StatAsync(key, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<ObjectStat> ListAsync(string prefix, string? startAfter = null, CancellationToken cancellationToken = default) =>
        _inner.ListAsync(prefix, startAfter, cancellationToken);

    /// <inheritdoc />
    public async Task DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        try
        {
            await _inner.DeleteManyAsync(keys, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Also after a failure: some of the keys may be gone.
            foreach (var key in keys)
            {
                Forget(key);
            }
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<string> ListFoldersAsync(string prefix, CancellationToken cancellationToken = default) =>
        _inner.ListFoldersAsync(prefix, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<ObjectStat> ListWhereAsync(string prefix, Func<string, bool> include, string? startAfter = null, CancellationToken cancellationToken = default) =>
        _inner.ListWhereAsync(prefix, include, startAfter, cancellationToken);

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        bool deleted = await _inner.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        Forget(key);
        return deleted;
    }

    private bool IsCacheable(string key)
    {
        foreach (var prefix in _immutablePrefixes)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Copies the whole object into the cache; false when it is larger than the whole cache.</summary>
    private async Task<bool> FetchAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        var temp = Path.Combine(_options.Folder, TempPrefix + Guid.NewGuid().ToString("N"));
        long size;
        try
        {
            var source = await _inner.OpenReadAsync(key, null, cancellationToken).ConfigureAwait(false);
            await using (source.ConfigureAwait(false))
            {
                var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous);
                await using (target.ConfigureAwait(false))
                {
                    size = await CopyBoundedAsync(source, target, _options.MaxBytes, cancellationToken).ConfigureAwait(false);
                }
            }
            if (size < 0)
            {
                File.Delete(temp);
                _logger.TooLargeToCache(key, _options.MaxBytes);
                return false;
            }
            File.Move(temp, path, overwrite: true);
            _logger.Cached(key, size);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        Remember(key, path, size);
        return true;
    }

    /// <summary>Copies at most <paramref name="limit"/> bytes; returns the count, or -1 when the source is longer.</summary>
    private static async Task<long> CopyBoundedAsync(Stream source, Stream target, long limit, CancellationToken cancellationToken)
    {
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            total += read;
            if (total > limit)
            {
                return -1;
            }
            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        }
        return total;
    }

    private Stream? TryOpenCached(string key, ByteRange? range)
    {
        string path;
        lock (_gate)
        {
            if (!_files.TryGetValue(key, out var node))
            {
                return null;
            }
            _recency.Remove(node);
            _recency.AddFirst(node);
            path = node.Value.Path;
        }
        SafeFileHandle file;
        try
        {
            // FileShare.Delete lets eviction remove the file while a reader still has it open.
            file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        }
        catch (FileNotFoundException)
        {
            Forget(key);
            return null;
        }
        return Local.LocalReadStream.Open(file, range);
    }

    private void Remember(string key, string path, long size)
    {
        var evicted = new List<string>();
        lock (_gate)
        {
            if (_files.Remove(key, out var existing))
            {
                _recency.Remove(existing);
                _bytes -= existing.Value.Size;
            }
            _files[key] = _recency.AddFirst(new CachedFile(key, path, size));
            _bytes += size;
            while (_bytes > _options.MaxBytes && _recency.Last is { } oldest)
            {
                _recency.RemoveLast();
                _files.Remove(oldest.Value.Key);
                _bytes -= oldest.Value.Size;
                evicted.Add(oldest.Value.Path);
            }
        }
        foreach (var file in evicted)
        {
            File.Delete(file);
        }
    }

    private void Forget(string key)
    {
        string? path = null;
        lock (_gate)
        {
            if (_files.Remove(key, out var node))
            {
                _recency.Remove(node);
                _bytes -= node.Value.Size;
                path = node.Value.Path;
            }
        }
        if (path is not null)
        {
            File.Delete(path);
        }
    }

    private string PathOf(string key) =>
        Path.Combine(_options.Folder, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key))));

    /// <summary>
    /// File names are hashes of keys, so files an earlier process left cannot be mapped back to keys: start empty,
    /// removing only files this cache could have written.
    /// </summary>
    private void LoadExistingFiles()
    {
        foreach (var file in Directory.EnumerateFiles(_options.Folder))
        {
            var name = Path.GetFileName(file);
            if (name.StartsWith(TempPrefix, StringComparison.Ordinal) || (name.Length == 64 && name.All(char.IsAsciiHexDigitLower)))
            {
                File.Delete(file);
            }
        }
    }
}
