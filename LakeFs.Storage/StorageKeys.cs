namespace LakeFs.Storage;

/// <summary>
/// The key rules every <see cref="IObjectStore"/> adapter enforces, and the one key order they all list in.
/// A key is non-empty, at most <see cref="MaxKeyBytes"/> UTF-8 bytes, '/'-separated, relative (no leading '/'),
/// has no trailing '/', no empty, "." or ".." segment, and contains no '\', NUL or unpaired surrogate.
/// Keys are ordered by their UTF-8 bytes (<see cref="Comparer"/>), which is not <see cref="string.CompareOrdinal(string, string)"/>:
/// UTF-16 order puts characters above U+FFFF before U+E000–U+FFFF, UTF-8 order puts them after.
/// </summary>
public static class StorageKeys
{
    /// <summary>The longest key, in UTF-8 bytes.</summary>
    public const int MaxKeyBytes = 1024;

    /// <summary>Orders keys by their UTF-8 bytes, the order of every listing.</summary>
    public static IComparer<string> Comparer => Utf8KeyComparer.Instance;

    /// <summary>Compares two strings by their UTF-8 bytes without encoding them.</summary>
    public static int Compare(ReadOnlySpan<char> left, ReadOnlySpan<char> right)
    {
        int common = left.CommonPrefixLength(right);
        if (common == left.Length)
        {
            return common == right.Length ? 0 : -1;
        }
        if (common == right.Length)
        {
            return 1;
        }
        return SortWeight(left[common]) - SortWeight(right[common]);
    }

    /// <summary>Returns <c>true</c> when <paramref name="key"/> follows the key rules.</summary>
    public static bool IsValid(string? key) => key is not null && FindProblem(key, isPrefix: false) is null;

    /// <summary>Throws <see cref="InvalidStorageKeyException"/> naming the key when it breaks a key rule.</summary>
    /// <exception cref="InvalidStorageKeyException">The key is not valid.</exception>
    public static void Validate(string key)
    {
        if (key is null)
        {
            throw new InvalidStorageKeyException("Invalid storage key: it is null.");
        }
        if (FindProblem(key, isPrefix: false) is { } problem)
        {
            throw Invalid(key, problem);
        }
    }

    /// <summary>
    /// Throws <see cref="InvalidStorageKeyException"/> when <paramref name="prefix"/> cannot begin any valid key.
    /// A prefix may be empty, may end in '/', and may end in the middle of a segment ("data/ab" matches "data/abc/x").
    /// </summary>
    /// <exception cref="InvalidStorageKeyException">No valid key starts with the prefix.</exception>
    public static void ValidatePrefix(string prefix)
    {
        if (prefix is null)
        {
            throw new InvalidStorageKeyException("Invalid storage key prefix: it is null.");
        }
        if (FindProblem(prefix, isPrefix: true) is { } problem)
        {
            throw new InvalidStorageKeyException($"Invalid storage key prefix '{Printable(prefix)}': {problem}.");
        }
    }

    /// <summary>Checks a prefix that names a folder: a valid prefix, empty or ending in '/'.</summary>
    /// <exception cref="InvalidStorageKeyException">It is not.</exception>
    public static void ValidateFolderPrefix(string prefix)
    {
        ValidatePrefix(prefix);
        if (prefix.Length > 0 && prefix[^1] != '/')
        {
            throw new InvalidStorageKeyException($"Invalid folder prefix '{Printable(prefix)}': a folder prefix is empty or ends with '/'.");
        }
    }

    /// <summary>Creates the exception for <paramref name="key"/> with the broken rule.</summary>
    internal static InvalidStorageKeyException Invalid(string key, string problem) =>
        new($"Invalid storage key '{Printable(key)}': {problem}.");

    /// <summary>Maps a UTF-16 code unit so that code-unit order equals code-point (UTF-8 byte) order.</summary>
    private static int SortWeight(char c) => c < 0xD800 ? c : c >= 0xE000 ? c - 0x800 : c + 0x2000;

    internal static string? FindProblem(ReadOnlySpan<char> key, bool isPrefix)
    {
        if (key.IsEmpty)
        {
            return isPrefix ? null : "it is empty";
        }
        if (key[0] == '/')
        {
            return "it starts with '/'";
        }
        int bytes = 0;
        int segmentStart = 0;
        for (int i = 0; i < key.Length; i++)
        {
            char c = key[i];
            switch (c)
            {
                case '\0':
                    return "it contains a NUL character";
                case '\\':
                    return "it contains a backslash";
                case '/':
                    if (SegmentProblem(key[segmentStart..i]) is { } problem)
                    {
                        return problem;
                    }
                    segmentStart = i + 1;
                    bytes++;
                    break;
                case < (char)0x80:
                    bytes++;
                    break;
                case < (char)0x800:
                    bytes += 2;
                    break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < key.Length && char.IsLowSurrogate(key[i + 1]))
                    {
                        bytes += 4;
                        i++;
                    }
                    else if (char.IsSurrogate(c))
                    {
                        return "it contains an unpaired surrogate";
                    }
                    else
                    {
                        bytes += 3;
                    }
                    break;
            }
        }
        if (bytes > MaxKeyBytes)
        {
            return $"it is longer than {MaxKeyBytes} UTF-8 bytes";
        }
        if (segmentStart == key.Length)
        {
            return isPrefix ? null : "it ends with '/'";
        }
        return isPrefix ? null : SegmentProblem(key[segmentStart..]);
    }

    private static string? SegmentProblem(ReadOnlySpan<char> segment) => segment switch
    {
        [] => "it contains an empty segment ('//')",
        ['.'] or ['.', '.'] => "it contains a '.' or '..' segment",
        _ => null,
    };

    private static string Printable(string key)
    {
        const int MaxShown = 200;
        var text = key.Length > MaxShown ? string.Concat(key.AsSpan(0, MaxShown), "…") : key;
        if (!text.Any(char.IsControl))
        {
            return text;
        }
        var builder = new System.Text.StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            if (char.IsControl(c))
            {
                builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                builder.Append(c);
            }
        }
        return builder.ToString();
    }
}
