using System.Runtime.CompilerServices;

namespace LakeFs.Core.Graveler;

/// <summary>
/// Three-way merge as a join of two range-skipping diffs: base→source (what to bring) and base→destination
/// (what the destination did meanwhile). A path only the source changed is applied; a path only the
/// destination changed stays; a path both changed is fine when both made the same change (same identity,
/// or both deleted) and a conflict otherwise. Cost follows the changed ranges on both sides.
/// </summary>
internal static class ThreeWayMerge
{
    public static async IAsyncEnumerable<MergeStep> StepsAsync(
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
                    yield return new MergeStep(t.Key, t.Left, t.Right, t.Left, IsConflict: false);
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
                        yield return new MergeStep(t.Key, t.Left, t.Right, o.Right, IsConflict: true);
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
