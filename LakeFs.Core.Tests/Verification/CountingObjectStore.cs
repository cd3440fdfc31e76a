using System.Collections.Concurrent;
using LakeFs.Storage;

namespace LakeFs.Core.Tests.Verification;

/// <summary>Passes every call to a store and counts reads and stats per key, to see what a pass read how often.</summary>
internal sealed class CountingObjectStore(IObjectStore inner) : IObjectStore
{
    public ConcurrentDictionary<string, int> Reads { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, int> Stats { get; } = new(StringComparer.Ordinal);

    public void Clear()
    {
        Reads.Clear();
        Stats.Clear();
    }

    public Task<ObjectStat> PutAsync(string key, Stream content, PutOptions? options = null, CancellationToken cancellationToken = default) =>
        inner.PutAsync(key, content, options, cancellationToken);

    public Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        Reads.AddOrUpdate(key, 1, (_, n) => n + 1);
        return inner.OpenReadAsync(key, range, cancellationToken);
    }

    public Task<ObjectStat?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        Stats.AddOrUpdate(key, 1, (_, n) => n + 1);
        return inner.StatAsync(key, cancellationToken);
    }

    public IAsyncEnumerable<ObjectStat> ListAsync(string prefix, string? startAfter = null, CancellationToken cancellationToken = default) =>
        inner.ListAsync(prefix, startAfter, cancellationToken);

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);
}
