using LakeFs.Core.Model;

namespace LakeFs.Core.Refs;

/// <summary>
/// Best common ancestors of two commits: walk both histories together, highest generation first, painting
/// each commit with the side(s) that reach it. A commit reached from both sides is a candidate, and its
/// ancestors are marked stale (they are common but not best). The walk stops once only stale commits remain;
/// a candidate that is an ancestor of another candidate is dropped. In a criss-cross history several remain.
/// The walk's own order depends on commit ids; callers order the result with <see cref="Trees.VirtualBase.FindAsync"/>.
/// </summary>
internal static class MergeBase
{
    private const int FromLeft = 1;
    private const int FromRight = 2;
    private const int Stale = 4;

    /// <summary>
    /// The first keys of the order in which several best common ancestors are merged into a virtual base:
    /// generation ascending (older first, as git merges its bases oldest first), then message, committer and
    /// metadata. Equal commits under this order are told apart by their trees' content, then by id
    /// (<see cref="Trees.VirtualBase.FindAsync"/>): commit ids hash the commit time, tree and range ids the
    /// objects' addresses and times, so neither is fixed by the history.
    /// </summary>
    public static IComparer<Commit> Order { get; } = Comparer<Commit>.Create(Compare);

    /// <summary>
    /// <see cref="FindAllAsync(IReadOnlyList{Commit}, Commit, Func{string, CancellationToken, ValueTask{Commit}}, CancellationToken)"/>
    /// of commits given by id, every commit read through <paramref name="pages"/> (a store's walk reads pages of
    /// first-parent lines, so a walk from a cold cache costs a few queries, not one per commit).
    /// </summary>
    public static async ValueTask<IReadOnlyList<Commit>> FindAllAsync(
        IReadOnlyList<string> left, string right, CommitPages pages, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var lefts = new List<Commit>(left.Count);
        foreach (var id in left)
        {
            lefts.Add(await pages.GetAsync(id, cancellationToken).ConfigureAwait(false));
        }
        var rightCommit = await pages.GetAsync(right, cancellationToken).ConfigureAwait(false);
        return await FindAllAsync(lefts, rightCommit, pages.GetAsync, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Every best common ancestor of the commits in <paramref name="left"/> (taken together, as the parents of
    /// a virtual merge commit) and <paramref name="right"/>, in <see cref="Order"/> (a stable sort of the walk's order).
    /// </summary>
    public static async ValueTask<IReadOnlyList<Commit>> FindAllAsync(
        IReadOnlyList<Commit> left, Commit right, Func<string, CancellationToken, ValueTask<Commit>> getCommit, CancellationToken cancellationToken)
    {
        var flags = new Dictionary<string, int>(StringComparer.Ordinal);
        var queue = new PriorityQueue<Commit, (long, string)>(
            Comparer<(long Generation, string Id)>.Create((a, b) => a.Generation != b.Generation
                ? b.Generation.CompareTo(a.Generation)
                : string.CompareOrdinal(a.Id, b.Id)));
        void Push(Commit c, int f)
        {
            flags.TryGetValue(c.Id, out var old);
            var merged = old | f;
            if (merged != old)
            {
                flags[c.Id] = merged;
                queue.Enqueue(c, (c.Generation, c.Id));
            }
        }

        foreach (var commit in left)
        {
            Push(commit, FromLeft);
        }
        Push(right, FromRight);
        var candidates = new List<Commit>();
        while (queue.UnorderedItems.Any(item => (flags[item.Element.Id] & Stale) == 0) && queue.TryDequeue(out var commit, out _))
        {
            var f = flags[commit.Id];
            if ((f & (FromLeft | FromRight)) == (FromLeft | FromRight) && (f & Stale) == 0)
            {
                candidates.Add(commit);
                f |= Stale;
                flags[commit.Id] = f;
            }
            foreach (var parentId in commit.Parents)
            {
                Push(await getCommit(parentId, cancellationToken).ConfigureAwait(false), f);
            }
        }
        // A candidate that is an ancestor of another candidate is not a best common ancestor.
        var best = new List<Commit>(candidates.Count);
        foreach (var c in candidates)
        {
            var dominated = false;
            foreach (var o in candidates)
            {
                if (o.Id != c.Id && await IsAncestorAsync(c, o, getCommit, cancellationToken).ConfigureAwait(false))
                {
                    dominated = true;
                    break;
                }
            }
            if (!dominated)
            {
                best.Add(c);
            }
        }
        return [.. best.Order(Order)];
    }

    /// <summary>Whether <paramref name="ancestor"/> is reachable from <paramref name="descendant"/> (generation-pruned walk).</summary>
    public static async ValueTask<bool> IsAncestorAsync(
        Commit ancestor, Commit descendant, Func<string, CancellationToken, ValueTask<Commit>> getCommit, CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<Commit>();
        stack.Push(descendant);
        while (stack.TryPop(out var c))
        {
            if (c.Id == ancestor.Id)
            {
                return true;
            }
            if (c.Generation <= ancestor.Generation || !seen.Add(c.Id))
            {
                continue;
            }
            foreach (var p in c.Parents)
            {
                stack.Push(await getCommit(p, cancellationToken).ConfigureAwait(false));
            }
        }
        return false;
    }

    private static int Compare(Commit? a, Commit? b)
    {
        if (ReferenceEquals(a, b))
        {
            return 0;
        }
        if (a is null || b is null)
        {
            return a is null ? -1 : 1;
        }
        var order = a.Generation.CompareTo(b.Generation);
        if (order == 0)
        {
            order = string.CompareOrdinal(a.Message, b.Message);
        }
        if (order == 0)
        {
            order = string.CompareOrdinal(a.Committer, b.Committer);
        }
        return order != 0 ? order : CompareMetadata(a.Metadata, b.Metadata);
    }

    private static int CompareMetadata(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b)
    {
        using var x = a.OrderBy(p => p.Key, StringComparer.Ordinal).GetEnumerator();
        using var y = b.OrderBy(p => p.Key, StringComparer.Ordinal).GetEnumerator();
        while (true)
        {
            var (hasX, hasY) = (x.MoveNext(), y.MoveNext());
            if (!hasX || !hasY)
            {
                return hasX.CompareTo(hasY);
            }
            var order = string.CompareOrdinal(x.Current.Key, y.Current.Key);
            if (order == 0)
            {
                order = string.CompareOrdinal(x.Current.Value, y.Current.Value);
            }
            if (order != 0)
            {
                return order;
            }
        }
    }
}
