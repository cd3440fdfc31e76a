namespace LakeFs.Core.Model;

/// <summary>A path both sides of a merge changed to different identities. A null side means deleted (or absent).</summary>
/// <param name="Path">The object path.</param>
/// <param name="Base">The object in the merge base.</param>
/// <param name="Source">The object on the source side.</param>
/// <param name="Destination">The object on the destination side.</param>
public sealed record Conflict(string Path, ObjectInfo? Base, ObjectInfo? Source, ObjectInfo? Destination);
