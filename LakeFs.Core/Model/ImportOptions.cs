namespace LakeFs.Core.Model;

/// <summary>Options of <see cref="Repository.ImportAsync"/>.</summary>
public sealed record ImportOptions
{
    /// <summary>The commit message; by default "Import" and the source.</summary>
    public string? Message { get; init; }

    /// <summary>Who commits; defaults to <see cref="RepositoryOptions.Committer"/>.</summary>
    public string? Committer { get; init; }

    /// <summary>
    /// More commit metadata, beside the keys the import sets (<c>import.source</c>, <c>import.prefix</c>,
    /// <c>import.destination</c>, <c>import.objects</c>), which win.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}
