using System.Text.Json.Serialization;

namespace LakeFs.Core.Json;

/// <summary>The marker object a repository keeps in its object store: which repository it is and its format version.</summary>
internal sealed record RepositoryMarker(
    [property: JsonPropertyName("repositoryId")] string RepositoryId,
    [property: JsonPropertyName("formatVersion")] int FormatVersion);
