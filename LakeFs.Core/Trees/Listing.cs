using System.Runtime.CompilerServices;
using System.Text;
using LakeFs.Core.Model;
using LakeFs.Core.Refs;

namespace LakeFs.Core.Trees;

/// <summary>
/// What a listing of a ref shows, in key order: a committed tree, overlaid with the staged rows of a branch's staging
/// areas (newest first; tombstones hide what is under them). With a delimiter, the keys that continue past it after
/// the prefix fold into one common prefix, and the walk jumps past them (one seek per common prefix, not one step per
/// key). Staged rows are read a page at a time (<see cref="IRefStore.ScanStagedAsync"/>), so a slow reader holds no
/// transaction.
/// </summary>
internal static class Listing
{
    /// <param name="trees">Where the committed tree is read from.</param>
    /// <param name="refs">Where staged rows are read from.</param>
    /// <param name="tokens">Staging areas to overlay, newest first (none for a commit).</param>
    /// <param name="tree">The committed tree.</param>
    /// <param name="prefix">Only keys that start with it.</param>
    /// <param name="after">Only keys (and common prefixes) strictly after it, or null.</param>
    /// <param name="delimiter">Folds keys that continue past it after the prefix, or null.</param>
    /// <param name="cancellationToken">Cancels the walk.</param>
    public static async IAsyncEnumerable<ListItem> ListAsync(
        TreeStore trees, IRefStore refs, IReadOnlyList<long> tokens, MetaRange tree, byte[] prefix, byte[]? after, byte[]? delimiter,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var start = after is not null && after.AsSpan().SequenceCompareTo(prefix) >= 0 ? Keys.Successor(after) : prefix;
        while (true)
        {
            byte[]? restart = null;
            var cursor = Open(trees, refs, tokens, tree, start, cancellationToken);
            await using (cursor.ConfigureAwait(false))
            {
                while (await cursor.MoveNextAsync(cancellationToken).ConfigureAwait(false))
                {
                    var key = cursor.Key.Span;
                    if (!key.StartsWith(prefix))
                    {
                        yield break;
                    }
                    if (cursor.IsTombstone)
                    {
                        continue;
                    }
                    if (delimiter is not null)
                    {
                        var cut = key[prefix.Length..].IndexOf(delimiter);
                        if (cut >= 0)
                        {
                            var commonPrefix = key[..(prefix.Length + cut + delimiter.Length)].ToArray();
                            restart = Keys.PrefixEnd(commonPrefix);
                            if (after is null || commonPrefix.AsSpan().SequenceCompareTo(after) > 0)
                            {
                                yield return new ListItem { Path = Encoding.UTF8.GetString(commonPrefix), Object = null };
                            }
                            break;
                        }
                    }
                    var path = Encoding.UTF8.GetString(key);
                    yield return new ListItem { Path = path, Object = EntryCodec.Decode(cursor.Value.Span).ToObjectInfo(path) };
                }
            }
            if (restart is null)
            {
                yield break;
            }
            start = restart;
        }
    }

    private static EntryCursor Open(TreeStore trees, IRefStore refs, IReadOnlyList<long> tokens, MetaRange tree, byte[] start, CancellationToken cancellationToken)
    {
        var treeCursor = new TreeCursor(trees, tree, start);
        if (tokens.Count == 0)
        {
            return treeCursor;
        }
        var cursors = new List<EntryCursor>(tokens.Count + 1);
        foreach (var token in tokens)
        {
            cursors.Add(new StagingCursor(refs, token, start, cancellationToken));
        }
        cursors.Add(treeCursor);
        return new OverlayCursor(cursors);
    }
}
