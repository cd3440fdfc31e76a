using System.Globalization;
using LakeFs.Core.Errors;

namespace LakeFs.Core.Refs;

/// <summary>
/// A parsed ref expression: a base name (branch, tag, commit id or unique id prefix), then either an optional '@'
/// (committed data only) or '@{instant}' (the branch's head at that instant, an ISO-8601 time with 'Z' or an offset),
/// then any number of '~N' (N-th first-parent ancestor) and '^N' (N-th parent) steps.
/// </summary>
internal sealed record RefExpression(string Base, bool CommittedOnly, IReadOnlyList<(char Op, int Count)> Steps)
{
    /// <summary>The instant of '@{...}', or null.</summary>
    public DateTimeOffset? At { get; init; }

    /// <summary>Whether <paramref name="text"/> is a bare name: no '@', '~' or '^' (it parses to itself with no steps).</summary>
    public static bool IsPlainName(string text) => text.Length > 0 && text.AsSpan().IndexOfAny('@', '~', '^') < 0;

    /// <summary>The time forms '@{...}' takes: date and time to minutes, seconds or fractions, with 'Z' or an offset.</summary>
    private static readonly string[] UtcFormats = ["yyyy-MM-dd'T'HH:mm'Z'", "yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'"];
    private static readonly string[] OffsetFormats = ["yyyy-MM-dd'T'HH:mmzzz", "yyyy-MM-dd'T'HH:mm:sszzz", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz"];

    public static RefExpression Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        DateTimeOffset? at = null;
        string name;
        int stepsStart;
        var open = text.IndexOf("@{", StringComparison.Ordinal);
        if (open >= 0)
        {
            var close = text.IndexOf('}', open);
            if (close < 0)
            {
                throw new InvalidRefException($"'{text}' is not a valid ref expression: '@{{' needs a closing '}}', as in main@{{2026-11-30T12:00:00Z}}.");
            }
            name = text[..open];
            at = ParseInstant(text, text[(open + 2)..close]);
            stepsStart = close + 1;
            if (name.AsSpan().IndexOfAny('@', '~', '^') >= 0)
            {
                throw new InvalidRefException($"'{text}' is not a valid ref expression: '@{{time}}' follows a branch name directly (main@{{2026-11-30T12:00:00Z}}~1).");
            }
        }
        else
        {
            var cut = text.IndexOfAny(['~', '^']);
            name = cut < 0 ? text : text[..cut];
            stepsStart = cut < 0 ? text.Length : cut;
        }
        var committedOnly = at is not null || name.EndsWith('@');
        if (at is null && committedOnly)
        {
            name = name[..^1];
        }
        if (name.Length == 0 || name.Contains('@', StringComparison.Ordinal))
        {
            throw new InvalidRefException($"'{text}' is not a valid ref expression: it needs a branch, tag or commit id before any '@', '~' or '^'.");
        }
        var steps = new List<(char, int)>();
        var i = stepsStart;
        while (i < text.Length)
        {
            var op = text[i++];
            if (op is not ('~' or '^'))
            {
                throw new InvalidRefException($"'{text}' is not a valid ref expression: unexpected '{op}' at position {i - 1}.");
            }
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }
            var count = 1;
            if (i > start && !int.TryParse(text.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out count))
            {
                throw new InvalidRefException($"'{text}' is not a valid ref expression: the number after '{op}' is too large.");
            }
            steps.Add((op, count));
        }
        return new RefExpression(name, committedOnly, steps) { At = at };
    }

    /// <summary>
    /// An ISO-8601 instant: 'Z' or an offset is required, since a local time names a different instant on every
    /// machine (and twice a year an hour that happens twice).
    /// </summary>
    private static DateTimeOffset ParseInstant(string text, string instant)
    {
        if (DateTimeOffset.TryParseExact(instant, UtcFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var utc))
        {
            return utc;
        }
        if (DateTimeOffset.TryParseExact(instant, OffsetFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var offset))
        {
            return offset;
        }
        if (DateTime.TryParseExact(instant, ["yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF"],
            CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            throw new InvalidRefException(
                $"'{text}': '{instant}' has no time zone, so it names a different instant on every machine. Add 'Z' for UTC or an offset such as +01:00 ({instant}{(instant.Contains('T', StringComparison.Ordinal) ? "" : "T00:00:00")}Z).");
        }
        throw new InvalidRefException(
            $"'{text}': '{instant}' is not an ISO-8601 instant. Write it as 2026-11-30T12:00:00Z or 2026-11-30T13:00:00+01:00.");
    }
}
