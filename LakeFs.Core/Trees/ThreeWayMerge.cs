using System.Runtime.CompilerServices;
using LakeFs.Core.Model;

namespace LakeFs.Core.Trees;

/// <summary>
/// Three-way merge as a join of two range-skipping diffs: base→source (what to bring) and base→destination
/// (what the destination did meanwhile). A path only the source changed is applied; a path only the
/// destination changed stays; a path both changed is fine when both made the same change (same identity,
/// or both deleted) and a conflict otherwise. Cost follows the changed ranges on both sides.
/// </summary>
internal static class ThreeWayMerge
{
    /// <summary>
    /// Merges base/source onto <paramref name="destination"/> in one streaming pass and writes the result: destination
    /// ranges the destination never changed take the source's range of the same bounds whole (<see cref="RangeReplacements"/>),
    /// the rest of the tree is rebuilt with the source's changes, and each conflict gets what <paramref name="resolve"/>
    /// returns for it (nothing applied keeps the destination's entry).
    /// </summary>
    public static async Task<(MetaRange Tree, CommitStatistics Statistics)> MergeAsync(
        TreeStore trees, MetaRange baseTree, MetaRange source, MetaRange destination,
        Func<ThreeWayDifference, (bool Apply, byte[]? Value)> resolve, CancellationToken cancellationToken)
    {
        var taken = RangeReplacements.Find(baseTree, source, destination);
        var changes = new ResolvedChangesCursor(StepsAsync(trees, baseTree, source, destination, cancellationToken), resolve, taken);
        MetaRange tree;
        CommitStatistics statistics;
        await using (changes.ConfigureAwait(false))
        {
            (tree, statistics) = await new TreeBuilder(trees).BuildAsync(taken.Destination, changes, cancellationToken).ConfigureAwait(false);
        }
        return (tree, statistics with { Changes = statistics.Changes + taken.DroppedChanges });
    }

    public static async IAsyncEnumerable<ThreeWayDifference> StepsAsync(
        TreeStore trees, MetaRange baseTree, MetaRange source, MetaRange destination,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var theirs = TreeDiff.DiffAsync(trees, baseTree, source, [], cancellationToken).GetAsyncEnumerator(cancellationToken);
        var ours = TreeDiff.DiffAsync(trees, baseTree, destination, [], cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (theirs.ConfigureAwait(false))
        await using (ours.ConfigureAwait(false))
        {
            var hasTheirs = await theirs.MoveNextAsync().ConfigureAwait(false);
            var hasOurs = await ours.MoveNextAsync().ConfigureAwait(false);
            while (hasTheirs)
            {
                var t = theirs.Current;
                var order = hasOurs ? t.Key.AsSpan().SequenceCompareTo(ours.Current.Key) : -1;
                if (order < 0)
                {
                    yield return new ThreeWayDifference(t.Key, t.Left, t.Right, t.Left, IsConflict: false);
                    hasTheirs = await theirs.MoveNextAsync().ConfigureAwait(false);
                }
                else if (order > 0)
                {
                    hasOurs = await ours.MoveNextAsync().ConfigureAwait(false);
                }
                else
                {
                    var o = ours.Current;
                    if (!SameChange(t.Right, o.Right))
                    {
                        yield return new ThreeWayDifference(t.Key, t.Left, t.Right, o.Right, IsConflict: true);
                    }
                    hasTheirs = await theirs.MoveNextAsync().ConfigureAwait(false);
                    hasOurs = await ours.MoveNextAsync().ConfigureAwait(false);
                }
            }
        }
    }

    private static bool SameChange(ReadOnlyMemory<byte>? a, ReadOnlyMemory<byte>? b) => (a, b) switch
    {
        (null, null) => true,
        ({ } x, { } y) => x.Span.SequenceEqual(y.Span) || EntryCodec.Decode(x.Span).SameIdentity(EntryCodec.Decode(y.Span)),
        _ => false,
    };
}
