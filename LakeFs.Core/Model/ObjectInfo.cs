namespace LakeFs.Core.Model;

/// <summary>An object as a reader of a ref sees it.</summary>
public sealed record ObjectInfo
{
    /// <summary>The object's path in the repository.</summary>
    public required string Path { get; init; }

    /// <summary>The key of its bytes in the repository's object store (in <see cref="ImportSource"/>'s store when that is set).</summary>
    public required string PhysicalAddress { get; init; }

    /// <summary>Size in bytes.</summary>
    public required long Size { get; init; }

    /// <summary>Lowercase hex SHA-256 of the content (or the checksum given to LinkObjectAsync).</summary>
    public required string Checksum { get; init; }

    /// <summary>The content type given at write time.</summary>
    public required string ContentType { get; init; }

    /// <summary>User metadata given at write time.</summary>
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }

    /// <summary>When the object was written.</summary>
    public required DateTimeOffset LastModified { get; init; }

    /// <summary>
    /// For an object imported from a named import source (<see cref="RepositoryOptions.ImportSources"/>), its name: the
    /// bytes are at <see cref="PhysicalAddress"/> in that store. Null for objects in the repository's own store.
    /// </summary>
    public string? ImportSource { get; init; }
}
