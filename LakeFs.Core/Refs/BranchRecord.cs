namespace LakeFs.Core.Refs;

/// <summary>
/// A branch row: its head commit, the staging token writes go to, and the sealed tokens of commits in flight
/// (newest first). Reads look at the staging token, then the sealed tokens, then the head.
/// </summary>
internal sealed record BranchRecord(string Name, string Head, long StagingToken, long[] SealedTokens)
{
    /// <summary>Every token a reader must look at, newest first.</summary>
    public long[] Tokens => [StagingToken, .. SealedTokens];

    public static long[] ParseTokens(string text) =>
        text.Length == 0 ? [] : [.. text.Split(',').Select(long.Parse)];

    public static string FormatTokens(IEnumerable<long> tokens) => string.Join(',', tokens);
}
