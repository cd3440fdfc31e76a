namespace LakeFs.Core.Model;

/// <summary>Options of <see cref="Repository.PutObjectAsync"/> and <see cref="Repository.LinkObjectAsync"/>.</summary>
public sealed record PutObjectOptions
{
    /// <summary>Content type stored with the object; defaults to "application/octet-stream".</summary>
    public string? ContentType { get; init; }

    /// <summary>User metadata stored with the object.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Fail with <see cref="Errors.ObjectAlreadyExistsException"/> when the branch already shows an object at the path.</summary>
    public bool IfNoneMatch { get; init; }
}
