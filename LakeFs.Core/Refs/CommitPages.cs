using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Trees;

namespace LakeFs.Core.Refs;

/// <summary>
/// How the graph walks every ref store shares (the history walk and the merge base) read commits: from the store's
/// commit cache, or, on a miss, with a page of the missing commit's first-parent line (the store's one recursive
/// query), since a walk that needs a commit mostly goes on to its parents next. Pages start small, for short walks,
/// and double up to <see cref="MaxPage"/>. Commits read are added to the cache and also kept here until the walk
/// takes them, so a cache smaller than a page cannot make the walk read them again. One instance serves one walk.
/// </summary>
internal sealed class CommitPages(
    ClockCache<string, Commit> commits,
    Func<string, int, CancellationToken, ValueTask<IReadOnlyList<Commit>>> readFirstParentLineAsync,
    string storeDescription)
{
    public const int MaxPage = 1024;

    private readonly Dictionary<string, Commit> _read = new(StringComparer.Ordinal);
    private int _page = 16;

    /// <summary>The commit <paramref name="id"/>, which must exist.</summary>
    public async ValueTask<Commit> GetAsync(string id, CancellationToken cancellationToken)
    {
        if (_read.Remove(id, out var commit) || commits.TryGet(id, out commit))
        {
            return commit;
        }
        var line = await readFirstParentLineAsync(id, _page, cancellationToken).ConfigureAwait(false);
        _page = Math.Min(2 * _page, MaxPage);
        if (line.Count == 0)
        {
            throw new CorruptDataException($"Commit {id} is referenced but missing from {storeDescription}.");
        }
        foreach (var c in line)
        {
            commits.Add(c.Id, c);
            _read[c.Id] = c;
        }
        _read.Remove(id);
        return line[0];
    }
}
