namespace LakeFs.Core.Model;

/// <summary>Options of <see cref="Repository.CommitAsync"/>.</summary>
public sealed record CommitOptions
{
    /// <summary>User metadata stored with the commit; with the message and committer at most 64 KiB (<see cref="MetadataLimits"/>).</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Who commits; defaults to <see cref="RepositoryOptions.Committer"/>.</summary>
    public string? Committer { get; init; }

    /// <summary>Create the commit even when nothing changed (otherwise <see cref="Errors.NoChangesException"/>).</summary>
    public bool AllowEmpty { get; init; }

    /// <summary>
    /// A partial commit: only the staged changes at these exact object paths (and under <see cref="Prefixes"/>) are
    /// committed; every other staged change stays staged. Null (with <see cref="Prefixes"/> null) commits everything.
    /// Each path is checked like an object path; a path named twice is refused.
    /// </summary>
    public IReadOnlyList<string>? Paths { get; init; }

    /// <summary>
    /// A partial commit: only the staged changes under these prefixes (and at <see cref="Paths"/>) are committed; every
    /// other staged change stays staged. A prefix must be non-empty (commit everything with neither option); a prefix
    /// named twice is refused; one inside another is allowed.
    /// </summary>
    public IReadOnlyList<string>? Prefixes { get; init; }
}
