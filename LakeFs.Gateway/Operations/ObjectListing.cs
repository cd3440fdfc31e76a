using System.Runtime.CompilerServices;
using LakeFs;
using LakeFs.Core;
using LakeFs.Storage;

namespace LakeFs.Gateway.Operations;

/// <summary>
/// Lists a bucket's keys (<c>&lt;ref&gt;/&lt;path&gt;</c>) in UTF-8 byte order. A prefix that names a ref lists that
/// ref through the library; a shorter prefix walks the branches (names without '/'; a branch "a/b" could not be told
/// from branch "a" and path "b…"), so with delimiter '/' the top level of a bucket lists one common prefix per branch.
/// Tags and commits are readable by name but are not listed.
/// </summary>
internal static class ObjectListing
{
    public static async IAsyncEnumerable<ListedItem> ListAsync(
        Repository repository, string prefix, string? delimiter, string? after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        delimiter = string.IsNullOrEmpty(delimiter) ? null : delimiter;
        var slash = prefix.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            await foreach (var item in ListRefAsync(repository, prefix[..slash], prefix[(slash + 1)..], delimiter, after, cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
            yield break;
        }

        var branches = new List<string>();
        await foreach (var branch in repository.ListBranchesAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!branch.Name.Contains('/', StringComparison.Ordinal) && branch.Name.StartsWith(prefix, StringComparison.Ordinal))
            {
                branches.Add(branch.Name + "/");
            }
        }
        branches.Sort(StorageKeys.Comparer);
        string? lastCommonPrefix = null;
        foreach (var refKey in branches)
        {
            if (after is not null && StorageKeys.Compare(after, refKey) >= 0 && !after.StartsWith(refKey, StringComparison.Ordinal))
            {
                continue;
            }
            var cut = delimiter is null ? -1 : refKey.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
            if (cut >= 0)
            {
                var commonPrefix = refKey[..(cut + delimiter!.Length)];
                if (commonPrefix != lastCommonPrefix && (after is null || StorageKeys.Compare(commonPrefix, after) > 0))
                {
                    lastCommonPrefix = commonPrefix;
                    yield return new ListedItem(commonPrefix, null);
                }
                continue;
            }
            await foreach (var item in ListRefAsync(repository, refKey[..^1], "", delimiter, after, cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }
    }

    private static async IAsyncEnumerable<ListedItem> ListRefAsync(
        Repository repository, string refName, string pathPrefix, string? delimiter, string? after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var refKey = refName + "/";
        string? pathAfter = null;
        if (after is not null && StorageKeys.Compare(after, refKey) >= 0)
        {
            if (!after.StartsWith(refKey, StringComparison.Ordinal))
            {
                yield break;
            }
            pathAfter = after.Length == refKey.Length ? null : after[refKey.Length..];
        }
        try
        {
            await repository.GetCommitAsync(refName, cancellationToken).ConfigureAwait(false);
        }
        catch (LakeFsException e) when (e is Core.Errors.NotFoundException or Core.Errors.InvalidRefException or Core.Errors.InvalidNameException)
        {
            yield break;
        }
        await foreach (var item in repository.ListObjectsAsync(refName, pathPrefix, delimiter, pathAfter, cancellationToken).ConfigureAwait(false))
        {
            yield return new ListedItem(refKey + item.Path, item.Object);
        }
    }
}
