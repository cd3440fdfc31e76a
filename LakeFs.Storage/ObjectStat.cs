namespace LakeFs.Storage;

/// <summary>What a store knows about one object.</summary>
/// <param name="Key">The object's key.</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="LastModified">When the object was written.</param>
/// <param name="ETag">The store's version tag, when it has one.</param>
public sealed record ObjectStat(string Key, long Size, DateTimeOffset LastModified, string? ETag = null);
