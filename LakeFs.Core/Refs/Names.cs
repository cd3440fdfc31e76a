using System.Buffers;
using System.Globalization;
using System.Text;
using LakeFs.Core.Errors;

namespace LakeFs.Core.Refs;

/// <summary>The rules for branch names, tag names, object paths and listing prefixes, checked at the door of every call.</summary>
internal static class Names
{
    public const int MaxNameLength = 256;
    public const int MaxPathBytes = 1024;

    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>Branch and tag names: a letter, digit or '_' first, then letters, digits, '_', '-', '.', '/'; no "..", "//", trailing '/' or '.'.</summary>
    public static void ValidateRefName(string name, string kind)
    {
        ArgumentNullException.ThrowIfNull(name, kind);
        if (!IsValidRefName(name))
        {
            throw new InvalidNameException(
                $"'{name}' is not a valid {kind} name: use 1-{MaxNameLength} characters from letters, digits, '_', '-', '.', '/', " +
                "starting with a letter, digit or '_', without '..', '//' or a trailing '/' or '.'.");
        }
    }

    /// <summary>
    /// A name for a new branch or tag: the rules of <see cref="ValidateRefName"/>, and not 64 hex digits, which would
    /// read as a full commit id (resolution tries a full commit id first, so the commit or the name would be hidden).
    /// </summary>
    public static void ValidateNewRefName(string name, string kind)
    {
        ValidateRefName(name, kind);
        if (name.Length == CommitId.HexLength && name.AsSpan().IndexOfAnyExcept(HexDigits) < 0)
        {
            throw new InvalidNameException($"'{name}' is not a valid {kind} name: 64 hex digits read as a commit id. Choose a name that is not a commit id.");
        }
    }

    /// <summary>
    /// The names that would make <paramref name="name"/> both a ref and a folder of refs: every folder of it
    /// (<c>a</c> and <c>a/b</c> for <c>a/b/c</c>), and the half-open range [<c>name/</c>, <c>name0</c>) that holds every
    /// name inside it ('0' follows '/' in ordinal order). A store checks them in the transaction that creates the ref.
    /// </summary>
    public static (string[] Folders, string InsideFrom, string InsideTo) FolderConflicts(string name)
    {
        var folders = new List<string>();
        for (var slash = name.IndexOf('/', StringComparison.Ordinal); slash > 0; slash = name.IndexOf('/', slash + 1))
        {
            folders.Add(name[..slash]);
        }
        return ([.. folders], name + "/", name + "0");
    }

    /// <summary>The message of a <see cref="RefNameConflictException"/> for a new <paramref name="kind"/> named <paramref name="name"/>.</summary>
    public static RefNameConflictException FolderConflict(string kind, string name, string existingKind, string existing) =>
        new(existing.Length < name.Length
            ? $"Cannot create {kind} '{name}': {existingKind} '{existing}' exists, and a ref name cannot also be a folder of other refs (as in git). " +
              $"Delete or rename '{existing}', or choose another name."
            : $"Cannot create {kind} '{name}': {existingKind} '{existing}' exists inside it, and a ref name cannot also be a folder of other refs (as in git). " +
              $"Delete or rename '{existing}', or choose another name.");

    private static bool IsValidRefName(string name)
    {
        if (name.Length is 0 or > MaxNameLength || !(char.IsAsciiLetterOrDigit(name[0]) || name[0] == '_'))
        {
            return false;
        }
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '/'))
            {
                return false;
            }
        }
        return !name.Contains("..", StringComparison.Ordinal)
            && !name.Contains("//", StringComparison.Ordinal)
            && !name.EndsWith('/')
            && !name.EndsWith('.');
    }

    /// <summary>Object paths: 1-1024 UTF-8 bytes, no NUL, no leading '/', no "." or ".." segment. Returns the UTF-8 key.</summary>
    public static byte[] ValidatePath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0)
        {
            throw new InvalidPathException("An object path cannot be empty.");
        }
        if (!IsWellFormed(path))
        {
            throw new InvalidPathException($"The object path '{Show(path)}' is not valid Unicode (it has a lone surrogate).");
        }
        var bytes = Encoding.UTF8.GetBytes(path);
        if (bytes.Length > MaxPathBytes)
        {
            throw new InvalidPathException($"The object path '{Show(path)}' is {bytes.Length} bytes long; the limit is {MaxPathBytes}.");
        }
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            throw new InvalidPathException($"The object path '{Show(path)}' contains a NUL character.");
        }
        if (path[0] == '/')
        {
            throw new InvalidPathException($"The object path '{path}' starts with '/'; paths are relative to the repository.");
        }
        // Every stat, read and put checks its path here: walk the segments in place instead of splitting.
        foreach (var range in path.AsSpan().Split('/'))
        {
            var segment = path.AsSpan(range);
            if (segment is "." or "..")
            {
                throw new InvalidPathException($"The object path '{path}' has a '{segment}' segment; paths cannot traverse.");
            }
        }
        return bytes;
    }

    /// <summary>
    /// A prefix for listings, diffs, logs and resets, or another piece of a path (a listing's start-after path or
    /// delimiter): may be empty; otherwise valid Unicode without NUL, at most 1024 UTF-8 bytes. Returns the UTF-8 bytes.
    /// </summary>
    public static byte[] ValidatePrefix(string? prefix, string what = "prefix")
    {
        if (string.IsNullOrEmpty(prefix))
        {
            return [];
        }
        if (!IsWellFormed(prefix))
        {
            throw new InvalidPathException($"The {what} '{Show(prefix)}' is not valid Unicode (it has a lone surrogate).");
        }
        if (prefix.Contains('\0', StringComparison.Ordinal) || Encoding.UTF8.GetByteCount(prefix) > MaxPathBytes)
        {
            throw new InvalidPathException($"The {what} '{Show(prefix)}' is not valid: it has a NUL or is longer than {MaxPathBytes} bytes.");
        }
        return Encoding.UTF8.GetBytes(prefix);
    }

    /// <summary>
    /// Whether <paramref name="text"/> is well-formed UTF-16: every surrogate in a high-low pair. Anything else would
    /// be stored as U+FFFD, so a string with a lone surrogate is refused wherever text enters the repository.
    /// </summary>
    public static bool IsWellFormed(ReadOnlySpan<char> text)
    {
        var i = text.IndexOfAnyInRange('\uD800', '\uDFFF');
        while (i >= 0)
        {
            if (!char.IsHighSurrogate(text[i]) || i + 1 == text.Length || !char.IsLowSurrogate(text[i + 1]))
            {
                return false;
            }
            i += 2;
            var next = text[i..].IndexOfAnyInRange('\uD800', '\uDFFF');
            i = next < 0 ? -1 : i + next;
        }
        return true;
    }

    /// <summary>Text for an error message: at most 40 characters, with control characters and surrogates escaped.</summary>
    public static string Show(string text)
    {
        var shown = new StringBuilder();
        foreach (var c in text.Length > 40 ? text[..40] : text)
        {
            if (char.IsControl(c) || char.IsSurrogate(c))
            {
                shown.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                shown.Append(c);
            }
        }
        return text.Length > 40 ? shown.Append('…').ToString() : shown.ToString();
    }
}
