using System.Runtime.CompilerServices;
using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Trees;

namespace LakeFs.Core.Refs;

/// <summary>
/// The history walk every ref store shares: a priority queue by (time, generation), newest first. A commit missing
/// from the store's commit cache is read with a page of its first-parent line (the store's one query), kept until
/// the walk takes them (so a cache smaller than a page cannot make the walk read them again). Pages start small, for
/// short logs, and double up to <see cref="MaxPage"/> (log of 10,000 commits from a fresh open on SQLite:
/// 48,993 → 65,794 commits/s, harness `--runs 5 --only log`). No connection is held while the caller enumerates.
/// </summary>
internal static class HistoryWalk
{
    public const int MaxPage = 1024;

    /// <param name="from">The commit to start from; it must exist.</param>
    /// <param name="firstParent">Follow first parents only.</param>
    /// <param name="commits">The store's commit cache; pages read are added to it.</param>
    /// <param name="getExistingCommitAsync">Reads a commit that must exist (through the cache).</param>
    /// <param name="readFirstParentLineAsync">
    /// Commit <c>id</c> and its first-parent ancestors, newest first, at most <c>limit</c> in all; empty when the
    /// commit is missing.
    /// </param>
    /// <param name="storeDescription">The store as error messages name it ("the ref store '…'").</param>
    /// <param name="cancellationToken">Stops the walk.</param>
    public static async IAsyncEnumerable<Commit> WalkAsync(
        string from,
        bool firstParent,
        ClockCache<string, Commit> commits,
        Func<string, CancellationToken, ValueTask<Commit>> getExistingCommitAsync,
        Func<string, int, CancellationToken, ValueTask<IReadOnlyList<Commit>>> readFirstParentLineAsync,
        string storeDescription,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var read = new Dictionary<string, Commit>(StringComparer.Ordinal);
        var page = 16;
        async ValueTask<Commit> GetAsync(string id)
        {
            if (read.Remove(id, out var commit) || commits.TryGet(id, out commit))
            {
                return commit;
            }
            var line = await readFirstParentLineAsync(id, page, cancellationToken).ConfigureAwait(false);
            page = Math.Min(2 * page, MaxPage);
            if (line.Count == 0)
            {
                throw new CorruptDataException($"Commit {id} is referenced but missing from {storeDescription}.");
            }
            foreach (var c in line)
            {
                commits.Add(c.Id, c);
                read[c.Id] = c;
            }
            read.Remove(id);
            return line[0];
        }

        var start = await getExistingCommitAsync(from, cancellationToken).ConfigureAwait(false);
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
                    var parent = await GetAsync(parentId).ConfigureAwait(false);
                    queue.Enqueue(parent, (parent.CreationDate.UtcTicks, parent.Generation));
                }
            }
            yield return commit;
        }
    }
}
