using System.Runtime.CompilerServices;
using LakeFs.Core.Model;
using LakeFs.Core.Refs;
using LakeFs.Core.Trees;

namespace LakeFs.Core;

public sealed partial class Repository
{
    /// <summary>
    /// Lists objects on a ref in path order. With a <paramref name="delimiter"/>, paths that continue past the
    /// delimiter after <paramref name="prefix"/> are folded into one common-prefix item. <paramref name="after"/>
    /// starts the listing strictly after a path (for paging).
    /// </summary>
    /// <remarks>
    /// A listing of a branch is not a snapshot: it reads uncommitted changes a page at a time, so a change staged while
    /// it runs shows when it lies ahead of the listing's position. The committed part is the head read at the start.
    /// </remarks>
    public async IAsyncEnumerable<ListItem> ListObjectsAsync(
        string @ref, string? prefix = null, string? delimiter = null, string? after = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        var prefixKey = Names.ValidatePrefix(prefix);
        var afterKey = after is null ? null : Names.ValidatePrefix(after, "start-after path");
        var delimiterKey = string.IsNullOrEmpty(delimiter) ? null : Names.ValidatePrefix(delimiter, "delimiter");
        var resolved = await ResolveAsync(@ref, cancellationToken).ConfigureAwait(false);

        var headId = resolved.CommitId;
        IReadOnlyList<long> tokens = [];
        if (resolved.Branch is { } branchName)
        {
            var branch = await GetBranchRecordAsync(branchName, cancellationToken).ConfigureAwait(false);
            headId = branch.Head;
            if (await _refs.HasStagedAsync(branch, cancellationToken).ConfigureAwait(false))
            {
                tokens = branch.Tokens;
            }
        }
        var head = await ReadCommitAsync(headId, cancellationToken).ConfigureAwait(false);
        var tree = await _trees.GetMetaRangeAsync(head.MetaRangeId, cancellationToken).ConfigureAwait(false);
        await foreach (var item in Listing.ListAsync(_trees, _refs, tokens, tree, prefixKey, afterKey, delimiterKey, cancellationToken).ConfigureAwait(false))
        {
            yield return item;
        }
    }
}
