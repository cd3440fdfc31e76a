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
}
