namespace LakeFs.Core.Model;

/// <summary>Options of the <c>PutObjectAsync</c> overloads, <see cref="Repository.PutFileAsync"/> and <see cref="Repository.LinkObjectAsync"/>.</summary>
public sealed record PutObjectOptions
{
    /// <summary>Content type stored with the object; defaults to "application/octet-stream". 1-256 printable ASCII characters (<see cref="MetadataLimits"/>).</summary>
    public string? ContentType { get; init; }

    /// <summary>User metadata stored with the object: keys are HTTP header names, values have no control characters, 2 KiB in all (<see cref="MetadataLimits"/>).</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Fail with <see cref="Errors.ObjectAlreadyExistsException"/> when the branch already shows an object at the path.</summary>
    public bool IfNoneMatch { get; init; }
}
