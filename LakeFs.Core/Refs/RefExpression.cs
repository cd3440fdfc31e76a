using System.Globalization;
using LakeFs.Core.Errors;

namespace LakeFs.Core.Refs;

/// <summary>
/// A parsed ref expression: a base name (branch, tag, commit id or unique id prefix), an optional '@'
/// (committed data only), then any number of '~N' (N-th first-parent ancestor) and '^N' (N-th parent) steps.
/// </summary>
internal sealed record RefExpression(string Base, bool CommittedOnly, IReadOnlyList<(char Op, int Count)> Steps)
{
    /// <summary>Whether <paramref name="text"/> is a bare name: no '@', '~' or '^' (it parses to itself with no steps).</summary>
    public static bool IsPlainName(string text) => text.Length > 0 && text.AsSpan().IndexOfAny('@', '~', '^') < 0;

    public static RefExpression Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var cut = text.IndexOfAny(['~', '^']);
        var name = cut < 0 ? text : text[..cut];
        var committedOnly = name.EndsWith('@');
        if (committedOnly)
        {
            name = name[..^1];
        }
        if (name.Length == 0 || name.Contains('@', StringComparison.Ordinal))
        {
            throw new InvalidRefException($"'{text}' is not a valid ref expression: it needs a branch, tag or commit id before any '@', '~' or '^'.");
        }
        var steps = new List<(char, int)>();
        var i = cut < 0 ? text.Length : cut;
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
        return new RefExpression(name, committedOnly, steps);
    }
}
