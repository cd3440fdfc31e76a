namespace LakeFs.Core.Model;

/// <summary>One difference between two views of a repository.</summary>
public sealed record Change
{
    /// <summary>The object path.</summary>
    public required string Path { get; init; }

    /// <summary>Added, removed or changed (left to right).</summary>
    public required ChangeKind Kind { get; init; }

    /// <summary>The object on the left side; null when added.</summary>
    public required ObjectInfo? Left { get; init; }

    /// <summary>The object on the right side; null when removed.</summary>
    public required ObjectInfo? Right { get; init; }
}
