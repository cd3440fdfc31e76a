using System.Runtime.CompilerServices;

namespace LakeFs.Storage;

/// <summary>The listing loop of adapters whose SDK pages for them (Azure, GCS).</summary>
internal static class SdkListing
{
    /// <summary>
    /// The port's listing over an SDK's item sequence: SDK errors mapped by <paramref name="map"/> (null leaves an
    /// error as it is), the store's root (<paramref name="rootLength"/> characters) cut from each name, and every key
    /// at or before <paramref name="startAfter"/> skipped, since SDK start offsets are inclusive or not offered.
    /// </summary>
    public static async IAsyncEnumerable<ObjectStat> ListAsync<T>(
        IAsyncEnumerable<T> items,
        int rootLength,
        string? startAfter,
        Func<T, string> name,
        Func<string, T, ObjectStat> toStat,
        Func<Exception, Exception?> map,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var enumerator = items.GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                try
                {
                    if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }
                }
                catch (Exception e) when (map(e) is { } mapped)
                {
                    throw mapped;
                }
                var item = enumerator.Current;
                cancellationToken.ThrowIfCancellationRequested();
                var key = name(item)[rootLength..];
                if (startAfter is not null && StorageKeys.Compare(key, startAfter) <= 0)
                {
                    continue;
                }
                yield return toStat(key, item);
            }
        }
        finally
        {
            await enumerator.DisposeAsync().ConfigureAwait(false);
        }
    }
}
