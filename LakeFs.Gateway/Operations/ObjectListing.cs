using System.Runtime.CompilerServices;
using LakeFs;
using LakeFs.Core;
using LakeFs.Storage;

namespace LakeFs.Gateway.Operations;

/// <summary>
/// Lists a bucket's keys (<c>&lt;ref&gt;/&lt;path&gt;</c>) in UTF-8 byte order. A prefix that reaches into a ref (the ref's
/// name, '/', then anything) lists that ref through the library; any other prefix walks the branches whose
/// <c>&lt;name&gt;/</c> starts with it, so with delimiter '/' the top level of a bucket lists one common prefix per
/// branch, or per first folder of branch names such as <c>feature/x</c>. Ref names are never folders of other refs
/// (see <see cref="ObjectKey"/>), so each key has one place. Tags and commits are readable by name but are not listed.
/// </summary>
internal static class ObjectListing
{
    public static async IAsyncEnumerable<ListedItem> ListAsync(
        Repository repository, string prefix, string? delimiter, string? after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        delimiter = string.IsNullOrEmpty(delimiter) ? null : delimiter;
        for (var slash = prefix.IndexOf('/', StringComparison.Ordinal); slash > 0; slash = prefix.IndexOf('/', slash + 1))
        {
            if (await IsRefAsync(repository, prefix[..slash], cancellationToken).ConfigureAwait(false))
            {
                await foreach (var item in ListRefAsync(repository, prefix[..slash], prefix[(slash + 1)..], delimiter, after, cancellationToken).ConfigureAwait(false))
                {
                    yield return item;
                }
                yield break;
            }
        }

        var branches = new List<string>();
        await foreach (var branch in repository.ListBranchesAsync(cancellationToken).ConfigureAwait(false))
        {
            if ((branch.Name + "/").StartsWith(prefix, StringComparison.Ordinal))
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
            if (Listing.CommonPrefix(refKey, prefix, delimiter) is { } commonPrefix)
            {
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
        if (!await IsRefAsync(repository, refName, cancellationToken).ConfigureAwait(false))
        {
            yield break;
        }
        await foreach (var item in repository.ListObjectsAsync(refName, pathPrefix, delimiter, pathAfter, cancellationToken).ConfigureAwait(false))
        {
            yield return new ListedItem(refKey + item.Path, item.Object);
        }
    }

    /// <summary>Whether <paramref name="name"/> resolves to a commit: a branch, tag, commit id or ref expression.</summary>
    private static async Task<bool> IsRefAsync(Repository repository, string name, CancellationToken cancellationToken)
    {
        try
        {
            await repository.GetCommitAsync(name, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (ObjectKey.IsMissingRef(e))
        {
            return false;
        }
    }
}
