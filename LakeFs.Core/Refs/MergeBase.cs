using LakeFs.Core.Model;

namespace LakeFs.Core.Refs;

/// <summary>
/// Best common ancestor of two commits: walk both histories together, highest generation first, painting
/// each commit with the side(s) that reach it. A commit reached from both sides is a candidate, and its
/// ancestors are marked stale (they are common but not best). The walk stops once only stale commits remain.
/// In a criss-cross history several candidates remain; the one with the highest generation (then the
/// smallest id) is chosen, so the answer is deterministic.
/// </summary>
internal static class MergeBase
{
    private const int FromLeft = 1;
    private const int FromRight = 2;
    private const int Stale = 4;

    public static Commit? Find(Commit left, Commit right, Func<string, Commit> getCommit)
    {
        if (left.Id == right.Id)
        {
            return left;
        }
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

        Push(left, FromLeft);
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
                Push(getCommit(parentId), f);
            }
        }
        // A candidate that is an ancestor of another candidate is not a best common ancestor.
        var best = candidates.Where(c => !candidates.Any(o => o.Id != c.Id && IsAncestor(c, o, getCommit))).ToList();
        return best.OrderByDescending(c => c.Generation).ThenBy(c => c.Id, StringComparer.Ordinal).FirstOrDefault();
    }

    /// <summary>Whether <paramref name="ancestor"/> is reachable from <paramref name="descendant"/> (generation-pruned walk).</summary>
    public static bool IsAncestor(Commit ancestor, Commit descendant, Func<string, Commit> getCommit)
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
                stack.Push(getCommit(p));
            }
        }
        return false;
    }
}
