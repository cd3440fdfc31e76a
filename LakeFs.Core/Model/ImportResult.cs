namespace LakeFs.Core.Model;

/// <summary>What <see cref="Repository.ImportAsync"/> committed.</summary>
public sealed record ImportResult
{
    /// <summary>The import's commit (its metadata names the source).</summary>
    public required Commit Commit { get; init; }

    /// <summary>Objects under the destination prefix after the import: those the source listed.</summary>
    public required long Objects { get; init; }

    /// <summary>Their bytes.</summary>
    public required long Bytes { get; init; }

    /// <summary>Folder markers left out (keys ending with '/', or the prefix itself).</summary>
    public required long Skipped { get; init; }
}
