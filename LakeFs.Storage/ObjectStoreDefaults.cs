using System.Runtime.CompilerServices;

namespace LakeFs.Storage;

/// <summary>The port's default implementations, built on its five essential calls.</summary>
internal static class ObjectStoreDefaults
{
    /// <summary>How many single deletes <see cref="DeleteOneByOneAsync"/> keeps in flight.</summary>
    public const int DeleteParallelism = 8;

    /// <summary>Checks every key, then deletes them one by one, <see cref="DeleteParallelism"/> at a time.</summary>
    public static async Task DeleteOneByOneAsync(IObjectStore store, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        foreach (var key in keys)
        {
            StorageKeys.Validate(key);
        }
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = DeleteParallelism, CancellationToken = cancellationToken },
            async (key, token) => await store.DeleteAsync(key, token).ConfigureAwait(false)).ConfigureAwait(false);
    }

    /// <summary>The objects of <see cref="IObjectStore.ListAsync"/> whose key <paramref name="include"/> accepts.</summary>
    public static async IAsyncEnumerable<ObjectStat> ListWhereAsync(IObjectStore store, string prefix, Func<string, bool> include, string? startAfter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in store.ListAsync(prefix, startAfter, cancellationToken).ConfigureAwait(false))
        {
            if (include(item.Key))
            {
                yield return item;
            }
        }
    }

    /// <summary>
    /// The folders directly under <paramref name="prefix"/> found by listing from the start, taking the first key,
    /// and starting the next listing past every key of that key's folder: a key under "a/b/" sorts before "a/b0"
    /// ('0' is the byte after '/'), so starting strictly after "a/b0" skips the folder (and an object named "a/b0",
    /// which is no folder).
    /// </summary>
    public static async IAsyncEnumerable<string> ListBySkippingAsync(IObjectStore store, string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? after = null;
        while (true)
        {
            string? first = null;
            await foreach (var item in store.ListAsync(prefix, after, cancellationToken).ConfigureAwait(false))
            {
                first = item.Key;
                break;
            }
            if (first is null)
            {
                yield break;
            }
            var slash = first.IndexOf('/', prefix.Length);
            if (slash < 0)
            {
                // An object directly under the prefix: no folder.
                after = first;
                continue;
            }
            yield return first[..(slash + 1)];
            after = string.Concat(first.AsSpan(0, slash), "0");
        }
    }
}
