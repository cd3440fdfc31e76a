namespace LakeFs.Gateway.Operations;

/// <summary>What CreateMultipartUpload records (as JSON next to the parts) for the later calls of the same upload.</summary>
/// <param name="Key">The S3 key the upload completes into (<c>&lt;branch&gt;/&lt;path&gt;</c>).</param>
/// <param name="ContentType">The object's content type, or null for the default.</param>
/// <param name="Metadata">The object's user metadata.</param>
/// <param name="Initiated">When the upload was created.</param>
internal sealed record MultipartUpload(string Key, string? ContentType, Dictionary<string, string> Metadata, DateTimeOffset Initiated);
