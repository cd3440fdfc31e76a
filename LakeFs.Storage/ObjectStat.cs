namespace LakeFs.Storage;

/// <summary>What a store knows about one object.</summary>
public sealed record ObjectStat
{
    /// <summary>The object's key.</summary>
    public required string Key { get; init; }

    /// <summary>Size in bytes.</summary>
    public required long Size { get; init; }

    /// <summary>When the object was written.</summary>
    public required DateTimeOffset LastModified { get; init; }

    /// <summary>The store's version tag, when it has one.</summary>
    public string? ETag { get; init; }
}
