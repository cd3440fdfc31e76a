using System.Runtime.ExceptionServices;
using LakeFs.Core.Errors;
using LakeFs.Gateway.Protocol;

namespace LakeFs.Gateway.Operations;

/// <summary>
/// An S3 key split into the ref it addresses and the object path on that ref: <c>&lt;ref&gt;/&lt;path&gt;</c>. Ref names may
/// hold '/' (<c>feature/x/data.csv</c> is path <c>data.csv</c> on branch <c>feature/x</c>), and the library never lets a
/// ref name also be a folder of other refs (<see cref="RefNameConflictException"/>), so at most one split names a ref:
/// the splits are tried shortest ref first, and the usual key (<c>main/…</c>) costs one lookup.
/// </summary>
internal readonly record struct ObjectKey(string Ref, string Path)
{
    /// <summary>
    /// Every split of <paramref name="key"/> at a '/' with a ref and a path on each side, shortest ref first. A key
    /// with none is refused (reads answer NoSuchKey, writes InvalidArgument).
    /// </summary>
    public static IEnumerable<ObjectKey> Splits(string key, bool write)
    {
        var first = key.IndexOf('/', StringComparison.Ordinal);
        if (first <= 0 || first == key.Length - 1)
        {
            throw write
                ? S3Exception.InvalidArgument($"The key '{key}' does not name an object: keys are <branch>/<path>.")
                : S3Exception.NoSuchKey($"The key '{key}' does not name an object: keys are <ref>/<path>.");
        }
        return SplitsFrom(key, first);
    }

    private static IEnumerable<ObjectKey> SplitsFrom(string key, int slash)
    {
        for (; slash > 0 && slash < key.Length - 1; slash = key.IndexOf('/', slash + 1))
        {
            yield return new ObjectKey(key[..slash], key[(slash + 1)..]);
        }
    }

    /// <summary>
    /// Runs <paramref name="operation"/> on the splits of <paramref name="key"/>, shortest ref first, until one finds its
    /// ref; the error of the first split when none does. Only a missing or malformed ref moves on: anything else (a
    /// missing object on an existing ref, say) is the answer.
    /// </summary>
    public static async Task<T> OnRefAsync<T>(string key, Func<ObjectKey, Task<T>> operation)
    {
        ExceptionDispatchInfo? first = null;
        foreach (var split in Splits(key, write: false))
        {
            try
            {
                return await operation(split).ConfigureAwait(false);
            }
            catch (Exception e) when (IsMissingRef(e))
            {
                first ??= ExceptionDispatchInfo.Capture(e);
            }
        }
        first!.Throw();
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>Whether <paramref name="exception"/> says the ref of a split does not exist or is no ref at all.</summary>
    public static bool IsMissingRef(Exception exception) => exception is RefNotFoundException or InvalidRefException or InvalidNameException;
}
