using LakeFs.Storage;

namespace LakeFs.Core.Tests.TestSupport;

/// <summary>
/// A store that hands every call to another one, after a hook: a put's hook sees the content (read into memory first),
/// a read's hook the key, and either may throw or cancel something. For injecting one failure among many calls.
/// </summary>
internal sealed class HookedObjectStore(IObjectStore inner) : IObjectStore
{
    /// <summary>Called before a put with the key and the content; the content is then written as it was.</summary>
    public Action<string, byte[]>? BeforePut { get; set; }

    /// <summary>Called before a read with the key.</summary>
    public Action<string>? BeforeRead { get; set; }

    public async Task<ObjectStat> PutAsync(string key, Stream content, PutOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var body = new MemoryStream();
        await content.CopyToAsync(body, cancellationToken);
        BeforePut?.Invoke(key, body.ToArray());
        body.Position = 0;
        return await inner.PutAsync(key, body, options, cancellationToken);
    }

    public Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        BeforeRead?.Invoke(key);
        return inner.OpenReadAsync(key, range, cancellationToken);
    }

    public Task<ObjectStat?> StatAsync(string key, CancellationToken cancellationToken = default) => inner.StatAsync(key, cancellationToken);

    public IAsyncEnumerable<ObjectStat> ListAsync(string prefix, string? startAfter = null, CancellationToken cancellationToken = default) =>
        inner.ListAsync(prefix, startAfter, cancellationToken);

    /// <summary>Called with each key a filtered listing offers and the filter's answer.</summary>
    public Action<string, bool>? AfterOffer { get; set; }

    public IAsyncEnumerable<ObjectStat> ListWhereAsync(string prefix, Func<string, bool> include, string? startAfter = null, CancellationToken cancellationToken = default) =>
        inner.ListWhereAsync(prefix, key =>
        {
            bool accepted = include(key);
            AfterOffer?.Invoke(key, accepted);
            return accepted;
        }, startAfter, cancellationToken);

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);
}
