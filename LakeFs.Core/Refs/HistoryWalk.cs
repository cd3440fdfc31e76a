using System.Runtime.CompilerServices;
using LakeFs.Core.Model;

namespace LakeFs.Core.Refs;

/// <summary>
/// The history walk every ref store shares: a priority queue by (time, generation), newest first, reading commits
/// through <see cref="CommitPages"/> (log of 10,000 commits from a fresh open on SQLite: 48,993 → 65,794 commits/s
/// with pages, harness `--runs 5 --only log`). No connection is held while the caller enumerates.
/// </summary>
internal static class HistoryWalk
{
    /// <param name="from">The commit to start from; it must exist.</param>
    /// <param name="firstParent">Follow first parents only.</param>
    /// <param name="pages">Reads the commits (a new instance for this walk).</param>
    /// <param name="cancellationToken">Stops the walk.</param>
    public static async IAsyncEnumerable<Commit> WalkAsync(
        string from, bool firstParent, CommitPages pages, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var start = await pages.GetAsync(from, cancellationToken).ConfigureAwait(false);
        var queue = new PriorityQueue<Commit, (long Ticks, long Generation)>(Comparer<(long, long)>.Create((a, b) => b.CompareTo(a)));
        var seen = new HashSet<string>(StringComparer.Ordinal) { start.Id };
        queue.Enqueue(start, (start.CreationDate.UtcTicks, start.Generation));
        while (queue.TryDequeue(out var commit, out _))
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var parentId in firstParent ? commit.Parents.Take(1) : commit.Parents)
            {
                if (seen.Add(parentId))
                {
                    var parent = await pages.GetAsync(parentId, cancellationToken).ConfigureAwait(false);
                    queue.Enqueue(parent, (parent.CreationDate.UtcTicks, parent.Generation));
                }
            }
            yield return commit;
        }
    }
}
