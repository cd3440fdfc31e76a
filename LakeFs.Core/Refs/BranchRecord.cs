using System.Globalization;

namespace LakeFs.Core.Refs;

/// <summary>
/// A branch row: its head commit, the staging token writes go to, and the sealed tokens of commits in flight
/// (newest first). Reads look at the staging token, then the sealed tokens, then the head.
/// </summary>
internal sealed record BranchRecord(string Name, string Head, long StagingToken, long[] SealedTokens)
{
    /// <summary>Every token a reader must look at, newest first.</summary>
    public long[] Tokens => [StagingToken, .. SealedTokens];

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
