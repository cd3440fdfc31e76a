namespace LakeFs.Core.Model;

/// <summary>How a path differs between the two sides of a diff.</summary>
public enum ChangeKind
{
    /// <summary>Only the right side has the path.</summary>
    Added,

    /// <summary>Only the left side has the path.</summary>
    Removed,

    /// <summary>Both sides have the path with different identities (content, size, content type or metadata).</summary>
    Changed,
}
