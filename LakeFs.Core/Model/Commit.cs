namespace LakeFs.Core.Model;

/// <summary>An immutable commit: a snapshot of every object on a branch at one point in time.</summary>
/// <param name="Id">Lowercase hex SHA-256 over the commit's canonical encoding.</param>
/// <param name="Parents">Parent commit ids in order (first parent first); empty for the repository's first commit.</param>
/// <param name="MetaRangeId">Id of the metarange holding the commit's tree.</param>
/// <param name="Message">The commit message.</param>
/// <param name="Committer">Who made the commit.</param>
/// <param name="CreationDate">When the commit was made (from the repository's <see cref="TimeProvider"/>).</param>
/// <param name="Metadata">User metadata, sorted by key.</param>
/// <param name="Generation">1 + the highest generation among the parents (1 for the first commit).</param>
public sealed record Commit(
    string Id,
    IReadOnlyList<string> Parents,
    string MetaRangeId,
    string Message,
    string Committer,
    DateTimeOffset CreationDate,
    IReadOnlyDictionary<string, string> Metadata,
    long Generation)
{
    /// <summary>What writing this commit cost; set only on the commit returned by the call that created it.</summary>
    public CommitStatistics? Statistics { get; init; }

    /// <summary>
    /// Post-hooks that failed after this operation succeeded (it stands; each failure is also logged). Empty when all
    /// succeeded or none ran; set only on the result of the call that made the change.
    /// </summary>
    public IReadOnlyList<HookRun> PostHookFailures { get; init; } = [];
}
