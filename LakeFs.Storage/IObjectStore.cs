namespace LakeFs.Storage;

/// <summary>
/// The object-store port: a flat namespace of immutable-by-convention objects addressed by keys.
/// Keys are '/'-separated, relative, and never contain "..", "\", NUL or a leading '/'.
/// Adapters are thin: they translate these calls to a backend and map its errors to
/// <see cref="StorageException"/> subclasses. Everything smart (caching, retries) sits above.
/// </summary>
public interface IObjectStore
{
    /// <summary>
    /// Writes <paramref name="content"/> (read to its end) to <paramref name="key"/>, replacing any object
    /// there unless <see cref="PutOptions.IfNoneMatch"/> is set. Readers see the old or the new object, never a part.
    /// </summary>
    /// <exception cref="StorageKeyExistsException">IfNoneMatch was set and the key exists.</exception>
    /// <exception cref="InvalidStorageKeyException">The key is not a valid key.</exception>
    Task<ObjectStat> PutAsync(string key, Stream content, PutOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Opens the object (or a byte range of it) for reading. A range past the end is cut at the end.</summary>
    /// <exception cref="StorageKeyNotFoundException">No object has that key.</exception>
    Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default);

    /// <summary>Returns the object's size and time, or <c>null</c> when no object has that key.</summary>
    Task<ObjectStat?> StatAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Lists objects whose key starts with <paramref name="prefix"/>, in ordinal (UTF-8 byte) key order,
    /// starting strictly after <paramref name="startAfter"/> when given. Pagination is hidden.
    /// </summary>
    IAsyncEnumerable<ObjectStat> ListAsync(string prefix, string? startAfter = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes the object. Returns <c>false</c> when there was none.</summary>
    Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);
}
