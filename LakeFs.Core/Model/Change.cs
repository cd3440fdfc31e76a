namespace LakeFs.Core.Model;

/// <summary>One difference between two views of a repository.</summary>
/// <param name="Path">The object path.</param>
/// <param name="Kind">Added, removed or changed (left to right).</param>
/// <param name="Left">The object on the left side; null when added.</param>
/// <param name="Right">The object on the right side; null when removed.</param>
public sealed record Change(string Path, ChangeKind Kind, ObjectInfo? Left, ObjectInfo? Right);
