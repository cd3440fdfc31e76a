namespace LakeFs.Storage;

/// <summary>A bucket or container and a key prefix inside it, parsed from a location such as <c>s3://bucket/some/prefix</c>.</summary>
internal readonly record struct CloudLocation(string Container, string Prefix)
{
    /// <summary>Parses <paramref name="location"/>, which must use <paramref name="scheme"/> (for example "s3").</summary>
    public static CloudLocation Parse(string location, string scheme)
    {
        ArgumentException.ThrowIfNullOrEmpty(location);
        var marker = scheme + "://";
        if (!location.StartsWith(marker, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"Expected a location of the form '{marker}<bucket>/<prefix>', got '{location}'.", nameof(location));
        }
        var rest = location[marker.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var container = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? "" : rest[(slash + 1)..];
        if (container.Length == 0)
        {
            throw new ArgumentException($"The location '{location}' names no bucket or container.", nameof(location));
        }
        return new CloudLocation(container, NormalizePrefix(prefix));
    }

    /// <summary>Turns a user prefix ("", "a/b" or "a/b/") into the form keys are appended to ("" or "a/b/").</summary>
    public static string NormalizePrefix(string? prefix)
    {
        if (string.IsNullOrEmpty(prefix))
        {
            return "";
        }
        var trimmed = prefix.TrimEnd('/');
        if (trimmed.Length == 0)
        {
            return "";
        }
        StorageKeys.Validate(trimmed);
        return trimmed + "/";
    }
}
