namespace LakeFs.Core.Model;

/// <summary>Options of <see cref="Repository.LogAsync"/>.</summary>
public sealed record LogOptions
{
    /// <summary>Stop after this many commits (null: no limit).</summary>
    public int? Limit { get; init; }

    /// <summary>Follow only first parents (the branch's own line of history).</summary>
    public bool FirstParent { get; init; }

    /// <summary>Only commits that changed one of these exact paths (compared with their first parent).</summary>
    public IReadOnlyList<string>? Paths { get; init; }

    /// <summary>Only commits that changed something under one of these prefixes (compared with their first parent).</summary>
    public IReadOnlyList<string>? Prefixes { get; init; }
}
