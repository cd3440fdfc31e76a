using LakeFs.Core.Model;

namespace LakeFs.Core.Trees;

/// <summary>What a path points to. Identity is what a reader can observe: checksum, size, content type, metadata.</summary>
internal sealed record Entry(
    string Address,
    long Size,
    string Checksum,
    string ContentType,
    IReadOnlyDictionary<string, string> Metadata,
    DateTimeOffset LastModified)
{
    /// <summary>
    /// For an imported object, the import source (<see cref="RepositoryOptions.ImportSources"/>) whose store holds the
    /// bytes at <see cref="Address"/>, or empty when imported from the repository's own store; null for an object put or
    /// linked. Not part of the identity.
    /// </summary>
    public string? Source { get; init; }

    public const string DefaultContentType = "application/octet-stream";

    public static IReadOnlyDictionary<string, string> NoMetadata { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The entry as a reader of <paramref name="path"/> sees it.</summary>
    public ObjectInfo ToObjectInfo(string path) => new()
    {
        Path = path,
        PhysicalAddress = Address,
        Size = Size,
        Checksum = Checksum,
        ContentType = ContentType,
        Metadata = Metadata,
        LastModified = LastModified,
        ImportSource = Source,
    };

    /// <summary>Two entries with the same identity are the same version, whatever their address or time.</summary>
    public bool SameIdentity(Entry other) =>
        Size == other.Size
        && Checksum == other.Checksum
        && ContentType == other.ContentType
        && MetadataEquals(Metadata, other.Metadata);

    private static bool MetadataEquals(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }
        foreach (var (key, value) in a)
        {
            if (!b.TryGetValue(key, out var other) || other != value)
            {
                return false;
            }
        }
        return true;
    }
}
