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

    /// <summary>
    /// Lists the objects under <paramref name="prefix"/> (as <see cref="ListAsync"/> does) whose key
    /// <paramref name="include"/> accepts. Each key is offered to <paramref name="include"/> once, in key order, before
    /// anything else about its object is read, and an accepted key's object (unless it is gone by then) is returned
    /// before the next key is offered, so the filter may keep state (a cursor over a sorted set). Stores that learn a
    /// key before its size and time (local folders) read those only for accepted keys; the default filters
    /// <see cref="ListAsync"/>.
    /// </summary>
    /// <exception cref="InvalidStorageKeyException">The prefix is not valid.</exception>
    IAsyncEnumerable<ObjectStat> ListWhereAsync(string prefix, Func<string, bool> include, string? startAfter = null, CancellationToken cancellationToken = default)
    {
        StorageKeys.ValidatePrefix(prefix);
        ArgumentNullException.ThrowIfNull(include);
        return ObjectStoreDefaults.ListWhereAsync(this, prefix, include, startAfter, cancellationToken);
    }

    /// <summary>Deletes the object. Returns <c>false</c> when there was none.</summary>
    Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the objects of <paramref name="keys"/>; a key with no object is skipped. Every key is checked before
    /// anything is deleted. When the call fails, some keys may be deleted already and a retry deletes the rest. The
    /// default deletes eight keys at a time one by one; adapters with a cheaper way (S3: DeleteObjects, a thousand keys
    /// a request; local: each folder opened once for all its keys) use it.
    /// </summary>
    /// <exception cref="InvalidStorageKeyException">A key is not valid; nothing was deleted.</exception>
    Task DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default) =>
        ObjectStoreDefaults.DeleteOneByOneAsync(this, keys, cancellationToken);

    /// <summary>
    /// Lists the folders directly under <paramref name="prefix"/> (empty, or ending in '/'): each as its whole prefix
    /// ending in '/', in key order, every folder that holds at least one object listed once. Objects directly under
    /// <paramref name="prefix"/> are not listed. The default makes one listing call per folder, each starting past the
    /// folder before; adapters whose backend lists by delimiter (S3, Azure, GCS) or reads a folder (local) do better.
    /// </summary>
    /// <exception cref="InvalidStorageKeyException">The prefix is not valid, or neither empty nor ending in '/'.</exception>
    IAsyncEnumerable<string> ListFoldersAsync(string prefix, CancellationToken cancellationToken = default)
    {
        StorageKeys.ValidateFolderPrefix(prefix);
        return ObjectStoreDefaults.ListBySkippingAsync(this, prefix, cancellationToken);
    }
}
