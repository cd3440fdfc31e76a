namespace LakeFs.Core.Model;

/// <summary>A tag: an immutable name for a commit.</summary>
/// <param name="Name">The tag name.</param>
/// <param name="CommitId">The commit it names.</param>
public sealed record TagInfo(string Name, string CommitId);
