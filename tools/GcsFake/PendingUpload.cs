namespace GcsFake;

/// <summary>A resumable upload in progress.</summary>
internal sealed class PendingUpload(string bucket, string name, string? contentType, long? ifGenerationMatch)
{
    public string Bucket { get; } = bucket;
    public string Name { get; } = name;
    public string? ContentType { get; } = contentType;
    public long? IfGenerationMatch { get; } = ifGenerationMatch;
    public MemoryStream Data { get; } = new();
}
