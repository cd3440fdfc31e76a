using System.Text;
using LakeFs.Core.Errors;

namespace LakeFs.Core.Refs;

/// <summary>The rules for branch names, tag names and object paths, checked at the door of every call.</summary>
internal static class Names
{
    public const int MaxNameLength = 256;
    public const int MaxPathBytes = 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

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
        byte[] bytes;
        try
        {
            bytes = StrictUtf8.GetBytes(path);
        }
        catch (EncoderFallbackException)
        {
            throw new InvalidPathException($"The object path '{path}' is not valid Unicode (it has a lone surrogate).");
        }
        if (bytes.Length > MaxPathBytes)
        {
            throw new InvalidPathException($"The object path '{path[..40]}…' is {bytes.Length} bytes long; the limit is {MaxPathBytes}.");
        }
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            throw new InvalidPathException($"The object path '{path.Replace("\0", "\\0", StringComparison.Ordinal)}' contains a NUL character.");
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

    /// <summary>A prefix for listings: may be empty; otherwise the same characters as a path.</summary>
    public static byte[] ValidatePrefix(string? prefix)
    {
        if (string.IsNullOrEmpty(prefix))
        {
            return [];
        }
        if (prefix.Contains('\0', StringComparison.Ordinal) || Encoding.UTF8.GetByteCount(prefix) > MaxPathBytes)
        {
            throw new InvalidPathException($"The prefix '{prefix}' is not valid: it has a NUL or is longer than {MaxPathBytes} bytes.");
        }
        return Encoding.UTF8.GetBytes(prefix);
    }
}
