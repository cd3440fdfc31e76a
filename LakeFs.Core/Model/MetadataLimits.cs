using System.Buffers;
using System.Text;
using LakeFs.Core.Errors;
using LakeFs.Core.Refs;

namespace LakeFs.Core.Model;

/// <summary>
/// What an object or a commit may carry besides its bytes and tree. Every rule is checked before anything is
/// written; a call that breaks one fails with <see cref="InvalidMetadataException"/>. No string may hold a lone
/// surrogate (it would be stored as U+FFFD).
/// </summary>
/// <remarks>
/// Objects follow S3's rules, so that an object can be served over HTTP or copied to S3 as it is: the content type
/// and the checksum are 1-256 printable ASCII characters (space to '~'); user metadata keys are HTTP header names
/// (letters, digits and <c>!#$%&amp;'*+-.^_`|~</c>), values any text without control characters, and keys and values
/// together take at most 2 KiB as UTF-8. A commit's message, committer and metadata have no control characters
/// (the message and metadata values may hold line breaks and tabs) and together take at most 64 KiB as UTF-8.
/// </remarks>
public static class MetadataLimits
{
    /// <summary>Most characters of a content type (printable ASCII).</summary>
    public const int MaxContentTypeLength = 256;

    /// <summary>Most characters of a checksum given to <see cref="Repository.LinkObjectAsync"/> or in a custom conflict resolution (printable ASCII).</summary>
    public const int MaxChecksumLength = 256;

    /// <summary>Most bytes of an object's user metadata: every key and value as UTF-8, added up (S3's limit).</summary>
    public const int MaxObjectMetadataBytes = 2048;

    /// <summary>Most bytes of a commit's message, committer and metadata keys and values as UTF-8, added up.</summary>
    public const int MaxCommitBytes = 64 * 1024;

    private static readonly SearchValues<char> HeaderNameCharacters =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    private static readonly SearchValues<char> ControlCharacters = SearchValues.Create(ControlRange(keepLineBreaks: false));

    private static readonly SearchValues<char> ControlCharactersButLineBreaks = SearchValues.Create(ControlRange(keepLineBreaks: true));

    private static readonly string ObjectMetadataTooLarge =
        $"The object's metadata takes more than {MaxObjectMetadataBytes} bytes (keys and values as UTF-8), the limit S3 sets too. Keep larger data in an object of its own.";

    private static readonly string CommitTooLarge =
        $"The commit's message, committer and metadata take more than {MaxCommitBytes} bytes as UTF-8, the limit. Keep larger data in an object and name it in the commit.";

    /// <summary>An object's content type (null: the default) and user metadata.</summary>
    internal static void ValidateObject(string? contentType, IReadOnlyDictionary<string, string>? metadata)
    {
        if (contentType is not null)
        {
            ValidatePrintable(contentType, "content type", MaxContentTypeLength, "for example 'text/csv'; leave it null for application/octet-stream");
        }
        if (metadata is not { Count: > 0 })
        {
            return;
        }
        var size = new Budget(MaxObjectMetadataBytes, ObjectMetadataTooLarge);
        foreach (var (key, value) in metadata)
        {
            if (string.IsNullOrEmpty(key) || key.AsSpan().IndexOfAnyExcept(HeaderNameCharacters) >= 0)
            {
                throw new InvalidMetadataException(
                    $"The metadata key '{Names.Show(key ?? "")}' is not valid: use letters, digits and !#$%&'*+-.^_`|~ (an HTTP header name, as S3 requires).");
            }
            size.Add(key);
            if (Problem(value, keepLineBreaks: false) is { } problem)
            {
                throw new InvalidMetadataException($"The value of metadata key '{key}' {problem}");
            }
            size.Add(value);
        }
    }

    /// <summary>A checksum stored with an object that the repository did not hash itself.</summary>
    internal static void ValidateChecksum(string checksum) =>
        ValidatePrintable(checksum, "checksum", MaxChecksumLength, "for example the lowercase hex SHA-256 of the content");

    /// <summary>A commit's message (null: a default made by the repository), committer and metadata; returns the metadata sorted by key.</summary>
    internal static SortedDictionary<string, string> ValidateCommit(string? message, string committer, IReadOnlyDictionary<string, string>? metadata)
    {
        var size = new Budget(MaxCommitBytes, CommitTooLarge);
        if (message is not null)
        {
            size.Add(message);
            ThrowIfProblem(message, "The commit message", keepLineBreaks: true);
        }
        size.Add(committer);
        ThrowIfProblem(committer, "The committer", keepLineBreaks: false);
        var sorted = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in metadata ?? sorted)
        {
            if (string.IsNullOrEmpty(key))
            {
                throw new InvalidMetadataException("A commit metadata key cannot be empty.");
            }
            size.Add(key);
            ThrowIfProblem(key, "The commit metadata key", keepLineBreaks: false);
            size.Add(value);
            if (Problem(value, keepLineBreaks: true) is { } problem)
            {
                throw new InvalidMetadataException($"The value of commit metadata key '{Names.Show(key)}' {problem}");
            }
            sorted[key] = value;
        }
        return sorted;
    }

    private static void ValidatePrintable(string text, string what, int maxLength, string hint)
    {
        if (text.Length is 0 || text.Length > maxLength || text.AsSpan().IndexOfAnyExceptInRange(' ', '~') >= 0)
        {
            throw new InvalidMetadataException(
                $"The {what} '{Names.Show(text)}' is not valid: use 1-{maxLength} printable ASCII characters, no line breaks or other control characters ({hint}).");
        }
    }

    private static void ThrowIfProblem(string text, string what, bool keepLineBreaks)
    {
        if (Problem(text, keepLineBreaks) is { } problem)
        {
            throw new InvalidMetadataException($"{what} {problem}");
        }
    }

    /// <summary>What is wrong with a piece of text (the end of a sentence about it), or null when nothing is.</summary>
    private static string? Problem(string? text, bool keepLineBreaks)
    {
        if (text is null)
        {
            return "is null; use an empty string.";
        }
        if (!Names.IsWellFormed(text))
        {
            return $"'{Names.Show(text)}' is not valid Unicode (it has a lone surrogate).";
        }
        var at = text.AsSpan().IndexOfAny(keepLineBreaks ? ControlCharactersButLineBreaks : ControlCharacters);
        return at < 0 ? null : $"'{Names.Show(text)}' has a control character (U+{(int)text[at]:X4}) at position {at}; "
            + (keepLineBreaks ? "only line breaks and tabs are allowed." : "remove it (line breaks are not allowed here).");
    }

    private sealed class Budget(int limit, string tooLarge)
    {
        private long _bytes;

        /// <summary>Null adds nothing (the text rules refuse it with a clearer message).</summary>
        public void Add(string? text)
        {
            // A string has at least as many UTF-8 bytes as UTF-16 characters: a huge one fails before it is scanned.
            if (text is not null && (_bytes + text.Length > limit || (_bytes += Encoding.UTF8.GetByteCount(text)) > limit))
            {
                throw new InvalidMetadataException(tooLarge);
            }
        }
    }

    /// <summary>C0 controls, DEL and C1 controls, optionally without tab, line feed and carriage return.</summary>
    private static string ControlRange(bool keepLineBreaks) =>
        new([.. Enumerable.Range(0, 0xA0).Select(c => (char)c).Where(c => char.IsControl(c) && !(keepLineBreaks && c is '\t' or '\n' or '\r'))]);
}
