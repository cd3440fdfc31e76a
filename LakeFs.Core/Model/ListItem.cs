namespace LakeFs.Core.Model;

/// <summary>One item of a listing: an object, or a common prefix when the listing uses a delimiter.</summary>
public sealed record ListItem
{
    /// <summary>The object's path, or the common prefix (ending with the delimiter).</summary>
    public required string Path { get; init; }

    /// <summary>The object; null for a common prefix.</summary>
    public required ObjectInfo? Object { get; init; }

    /// <summary>True when this item is a common prefix rather than an object.</summary>
    public bool IsCommonPrefix => Object is null;
}
