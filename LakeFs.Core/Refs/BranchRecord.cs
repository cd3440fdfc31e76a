using System.Globalization;

namespace LakeFs.Core.Refs;

/// <summary>
/// A branch row: its head commit, the staging token writes go to, and the staging areas frozen for commits in flight
/// (newest first). Reads look at the staging token, then the frozen ones, then the head.
/// </summary>
internal sealed record BranchRecord(string Name, string Head, long StagingToken, long[] FrozenTokens)
{
    /// <summary>Every token a reader must look at, newest first.</summary>
    public long[] Tokens => [StagingToken, .. FrozenTokens];

    /// <summary>Whether <paramref name="other"/> has the same staging areas (its rows are the same rows).</summary>
    public bool SameTokens(BranchRecord other) =>
        StagingToken == other.StagingToken && FrozenTokens.AsSpan().SequenceEqual(other.FrozenTokens);

    /// <summary>The tokens of a stored list, or null when <paramref name="text"/> is not one.</summary>
    public static long[]? TryParseTokens(string text)
    {
        if (text.Length == 0)
        {
            return [];
        }
        var parts = text.Split(',');
        var tokens = new long[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out tokens[i]))
            {
                return null;
            }
        }
        return tokens;
    }

    public static string FormatTokens(IEnumerable<long> tokens) => string.Join(',', tokens);
}
