namespace LakeFs.Core.Model;

/// <summary>An immutable commit: a snapshot of every object on a branch at one point in time.</summary>
public sealed record Commit
{
    /// <summary>Lowercase hex SHA-256 over the commit's canonical encoding.</summary>
    public required string Id { get; init; }

    /// <summary>Parent commit ids in order (first parent first); empty for the repository's first commit.</summary>
    public required IReadOnlyList<string> Parents { get; init; }

    /// <summary>Id of the metarange holding the commit's tree.</summary>
    public required string MetaRangeId { get; init; }

    /// <summary>The commit message.</summary>
    public required string Message { get; init; }

    /// <summary>Who made the commit.</summary>
    public required string Committer { get; init; }

    /// <summary>When the commit was made (from the repository's <see cref="TimeProvider"/>).</summary>
    public required DateTimeOffset CreationDate { get; init; }

    /// <summary>User metadata, sorted by key.</summary>
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }

    /// <summary>1 + the highest generation among the parents (1 for the first commit).</summary>
    public required long Generation { get; init; }

    /// <summary>What writing this commit cost; set only on the commit returned by the call that created it.</summary>
    public CommitStatistics? Statistics { get; init; }

    /// <summary>
    /// Post-hooks that failed after this operation succeeded (it stands; each failure is also logged). Empty when all
    /// succeeded or none ran; set only on the result of the call that made the change.
    /// </summary>
    public IReadOnlyList<HookRun> PostHookFailures { get; init; } = [];
}
