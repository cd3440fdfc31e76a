namespace LakeFs.Core.Model;

/// <summary>A path both sides of a merge changed to different identities. A null side means deleted (or absent).</summary>
/// <param name="Path">The object path.</param>
/// <param name="Base">The object in the merge base; null when absent there, or when <see cref="BasesConflict"/>.</param>
/// <param name="Source">The object on the source side.</param>
/// <param name="Destination">The object on the destination side.</param>
public sealed record Conflict(string Path, ObjectInfo? Base, ObjectInfo? Source, ObjectInfo? Destination)
{
    /// <summary>
    /// True when the history is criss-cross (several best common ancestors) and those ancestors changed this path
    /// in different ways: there is no single base version (git would show one with conflict markers), so
    /// <see cref="Base"/> is null although the path existed there.
    /// </summary>
    public bool BasesConflict { get; init; }
}
