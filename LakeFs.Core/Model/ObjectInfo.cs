namespace LakeFs.Core.Model;

/// <summary>An object as a reader of a ref sees it.</summary>
/// <param name="Path">The object's path in the repository.</param>
/// <param name="PhysicalAddress">The key of its bytes in the repository's object store (in <see cref="ImportSource"/>'s store when that is set).</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="Checksum">Lowercase hex SHA-256 of the content (or the checksum given to LinkObjectAsync).</param>
/// <param name="ContentType">The content type given at write time.</param>
/// <param name="Metadata">User metadata given at write time.</param>
/// <param name="LastModified">When the object was written.</param>
public sealed record ObjectInfo(
    string Path,
    string PhysicalAddress,
    long Size,
    string Checksum,
    string ContentType,
    IReadOnlyDictionary<string, string> Metadata,
    DateTimeOffset LastModified)
{
    /// <summary>
    /// For an object imported from a named import source (<see cref="RepositoryOptions.ImportSources"/>), its name: the
    /// bytes are at <see cref="PhysicalAddress"/> in that store. Null for objects in the repository's own store.
    /// </summary>
    public string? ImportSource { get; init; }
}
