using System.Buffers;
using System.Runtime.CompilerServices;

namespace LakeFs.Core.Trees;

/// <summary>
/// Two-tree diff with range skipping: both sides walk their ranges in key order, and whenever both stand
/// between ranges and the next ranges have the same id, both ranges are skipped without being opened.
/// Content-defined boundaries make the two sides realign right after each changed range, so the cost follows
/// the number of changed ranges, not the size of the trees.
/// </summary>
internal static class TreeDiff
{
    /// <summary>
    /// Keys whose entry differs in identity between <paramref name="left"/> and <paramref name="right"/>
    /// (present on one side only, or both with different identities), restricted to <paramref name="prefix"/>.
    /// A difference's values are valid until the enumeration moves on to the next difference.
    /// </summary>
    public static async IAsyncEnumerable<TreeDifference> DiffAsync(
        TreeStore trees, MetaRange left, MetaRange right, byte[] prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (left.Id.Length > 0 && left.Id == right.Id)
        {
            yield break;
        }
        using var l = new RangeWalker(trees, left, prefix);
        using var r = new RangeWalker(trees, right, prefix);
        while (true)
        {
            if (l.AtBoundary && r.AtBoundary)
            {
                if (l.Done && r.Done)
                {
                    yield break;
                }
                if (l.NextRange is { } ln && r.NextRange is { } rn && ln.Id == rn.Id)
                {
                    l.SkipRange();
                    r.SkipRange();
                    continue;
                }
            }
            // Open a side's next range only once the other side has reached its first key, so that the two
            // sides can meet again between ranges and skip the shared ones.
            if (l.AtBoundary && !l.Done && !await l.EnterIfNeededAsync(r, cancellationToken).ConfigureAwait(false) && r.AtBoundary)
            {
                await r.EnterAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (r.AtBoundary && !r.Done && !await r.EnterIfNeededAsync(l, cancellationToken).ConfigureAwait(false) && l.AtBoundary)
            {
                await l.EnterAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (l.AtBoundary && r.AtBoundary)
            {
                continue;
            }
            if (l.SkipSharedBlock(r))
            {
                continue;
            }
            var order = l.AtBoundary ? 1 : r.AtBoundary ? -1 : l.Key.SequenceCompareTo(r.Key);
            if (order < 0)
            {
                yield return new TreeDifference(l.Key.ToArray(), l.Value, null);
                l.Advance();
            }
            else if (order > 0)
            {
                yield return new TreeDifference(r.Key.ToArray(), null, r.Value);
                r.Advance();
            }
            else
            {
                if (!l.Value.Span.SequenceEqual(r.Value.Span)
                    && !EntryCodec.Decode(l.Value.Span).SameIdentity(EntryCodec.Decode(r.Value.Span)))
                {
                    yield return new TreeDifference(l.Key.ToArray(), l.Value, r.Value);
                }
                l.Advance();
                r.Advance();
            }
        }
    }

    /// <summary>Whether anything at <paramref name="key"/> (exact) or under it (prefix) differs between the trees.</summary>
    public static async Task<bool> AnyChangeAsync(TreeStore trees, MetaRange left, MetaRange right, byte[] key, bool exact, CancellationToken cancellationToken)
    {
        if (exact)
        {
            var a = await trees.GetEntryAsync(left, key, cancellationToken).ConfigureAwait(false);
            var b = await trees.GetEntryAsync(right, key, cancellationToken).ConfigureAwait(false);
            return (a, b) switch
            {
                (null, null) => false,
                (null, _) or (_, null) => true,
                _ => !a.SameIdentity(b),
            };
        }
        await foreach (var _ in DiffAsync(trees, left, right, key, cancellationToken).ConfigureAwait(false))
        {
            return true;
        }
        return false;
    }

    /// <summary>
    /// One side of a diff: either between ranges (next range known, not opened) or on an entry inside a range.
    /// A diff is one pass, so ranges are read through one scratch buffer per side, lent by the store (see
    /// <see cref="TreeStore.GetRangeForPassAsync"/>): a value is valid until its side moves to the next range.
    /// </summary>
    private sealed class RangeWalker(TreeStore trees, MetaRange tree, byte[] prefix) : IDisposable
    {
        private readonly ArrayBufferWriter<byte> _scratch = trees.RentScratch();
        private int _index = tree.FindRange(prefix);
        private RangeCursor? _cursor;
        private bool _started;

        /// <summary>The current key (valid until <see cref="Advance"/>).</summary>
        public ReadOnlySpan<byte> Key => _cursor!.Key;

        public ReadOnlyMemory<byte> Value => _cursor!.Value;

        public bool AtBoundary => _cursor is null;

        /// <summary>The next range to enter, or null when the tree (within the prefix) is exhausted.</summary>
        public RangeRef? NextRange => InPrefix(_index) ? tree.Ranges[_index] : null;

        public bool Done => AtBoundary && NextRange is null;

        public void SkipRange() => _index++;

        /// <summary>Gives the read buffer back; the walker's values are invalid afterwards.</summary>
        public void Dispose()
        {
            _cursor = null;
            trees.Return(_scratch);
        }

        /// <summary>Enters the next range when the other side's current key has reached its first key. False when not entered.</summary>
        public async ValueTask<bool> EnterIfNeededAsync(RangeWalker other, CancellationToken cancellationToken)
        {
            if (NextRange is not { } next)
            {
                return false;
            }
            if (!other.AtBoundary && other.Key.SequenceCompareTo(next.MinKey) < 0)
            {
                return false;
            }
            if (other.AtBoundary && other.NextRange is { } otherNext && otherNext.MinKey.AsSpan().SequenceCompareTo(next.MinKey) < 0)
            {
                return false;
            }
            await EnterAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }

        public async ValueTask EnterAsync(CancellationToken cancellationToken)
        {
            if (NextRange is not { } next)
            {
                return;
            }
            var reader = await trees.GetRangeForPassAsync(next.Id, _scratch, cancellationToken).ConfigureAwait(false);
            _index++;
            _cursor = reader.CreateCursor();
            var positioned = !_started ? _cursor.SeekGE(prefix) : _cursor.MoveNext();
            _started = true;
            Moved(positioned);
        }

        /// <summary>
        /// When this side and <paramref name="other"/> stand on the first entry of byte-equal data blocks, moves both
        /// past those blocks and the byte-equal pairs that follow (<see cref="RangeCursor.SkipEqualBlocks"/>): equal
        /// payloads hold equal entries. Blocks are cut by size inside a range, so after in-place changes (new versions
        /// of existing paths) the blocks of a changed range still line up and only the changed ones are walked entry
        /// by entry.
        /// </summary>
        public bool SkipSharedBlock(RangeWalker other)
        {
            if (_cursor is not { AtBlockStart: true } mine || other._cursor is not { AtBlockStart: true } theirs || !mine.Block.SequenceEqual(theirs.Block))
            {
                return false;
            }
            trees.NoteBlocksSkipped(mine.SkipEqualBlocks(theirs, out var minePositioned, out var theirsPositioned));
            Moved(minePositioned);
            other.Moved(theirsPositioned);
            return true;
        }

        public void Advance() => Moved(_cursor!.MoveNext());

        private void Moved(bool positioned)
        {
            if (positioned)
            {
                CheckPrefix();
            }
            else
            {
                _cursor = null;
            }
        }

        private void CheckPrefix()
        {
            if (!_cursor!.Key.StartsWith(prefix))
            {
                // Keys are sorted: the first key past the prefix ends this side.
                _cursor = null;
                _index = tree.Ranges.Count;
            }
        }

        private bool InPrefix(int index) =>
            index < tree.Ranges.Count && StartsBeforePrefixEnd(tree.Ranges[index].MinKey);

        private bool StartsBeforePrefixEnd(byte[] minKey) =>
            prefix.Length == 0 || minKey.AsSpan().StartsWith(prefix) || minKey.AsSpan().SequenceCompareTo(prefix) < 0;
    }
}
