using LakeFs.Gateway.Protocol;

namespace LakeFs.Gateway.Operations;

/// <summary>An S3 key split into the ref it addresses and the object path on that ref: <c>&lt;ref&gt;/&lt;path&gt;</c>.</summary>
internal readonly record struct ObjectKey(string Ref, string Path)
{
    /// <summary>Splits at the first '/'; a key without a path is refused (reads answer NoSuchKey, writes InvalidArgument).</summary>
    public static ObjectKey Parse(string key, bool write)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == key.Length - 1)
        {
            throw write
                ? S3Exception.InvalidArgument($"The key '{key}' does not name an object: keys are <branch>/<path>.")
                : S3Exception.NoSuchKey($"The key '{key}' does not name an object: keys are <ref>/<path>.");
        }
        return new ObjectKey(key[..slash], key[(slash + 1)..]);
    }
}
