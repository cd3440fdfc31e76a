namespace LakeFs.Storage;

/// <summary>Options of <see cref="IObjectStore.PutAsync"/>.</summary>
public sealed record PutOptions
{
    /// <summary>Fail with <see cref="StorageKeyExistsException"/> when the key already exists (conditional create).</summary>
    public bool IfNoneMatch { get; init; }

    /// <summary>
    /// Make the object survive a power loss before returning (fsync of the file and its folder on a local disk).
    /// Cloud stores are always durable and ignore it.
    /// </summary>
    public bool Durable { get; init; }

    /// <summary>A put with no conditions.</summary>
    public static PutOptions Default { get; } = new();
}
