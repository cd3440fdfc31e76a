namespace LakeFs.Core.Model;

/// <summary>One item of a listing: an object, or a common prefix when the listing uses a delimiter.</summary>
/// <param name="Path">The object's path, or the common prefix (ending with the delimiter).</param>
/// <param name="Object">The object; null for a common prefix.</param>
public sealed record ListItem(string Path, ObjectInfo? Object)
{
    /// <summary>True when this item is a common prefix rather than an object.</summary>
    public bool IsCommonPrefix => Object is null;
}
