namespace LakeFs.Core.Model;

/// <summary>Options of <see cref="Repository.UploadDirectoryAsync"/>.</summary>
public sealed record UploadOptions
{
    /// <summary>How many files are read and put at once; 8 by default.</summary>
    public int MaxParallelism { get; init; } = 8;

    /// <summary>
    /// The content type of each object, from its path in the repository; null (or a null answer) stores
    /// "application/octet-stream". Called from several threads at once.
    /// </summary>
    public Func<string, string?>? ContentTypeOf { get; init; }
}
