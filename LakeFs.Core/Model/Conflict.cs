namespace LakeFs.Core.Model;

/// <summary>A path both sides of a merge changed to different identities. A null side means deleted (or absent).</summary>
public sealed record Conflict
{
    /// <summary>The object path.</summary>
    public required string Path { get; init; }

    /// <summary>The object in the merge base; null when absent there, or when <see cref="BasesConflict"/>.</summary>
    public required ObjectInfo? Base { get; init; }

    /// <summary>The object on the source side.</summary>
    public required ObjectInfo? Source { get; init; }

    /// <summary>The object on the destination side.</summary>
    public required ObjectInfo? Destination { get; init; }

    /// <summary>
    /// True when the history is criss-cross (several best common ancestors) and those ancestors changed this path
    /// in different ways: there is no single base version (git would show one with conflict markers), so
    /// <see cref="Base"/> is null although the path existed there.
    /// </summary>
    public bool BasesConflict { get; init; }
}
