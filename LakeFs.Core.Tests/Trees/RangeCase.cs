namespace LakeFs.Core.Tests.Trees;

/// <summary>A generated range: sorted distinct entries, writer settings, and keys to probe (present or not).</summary>
public sealed record RangeCase(IReadOnlyList<KeyValuePair<byte[], byte[]>> Entries, int BlockSize, int RestartInterval, IReadOnlyList<byte[]> Probes)
{
    public override string ToString() =>
        $"{Entries.Count} entries, blockSize {BlockSize}, restartInterval {RestartInterval}, first keys [{string.Join(", ", Entries.Take(5).Select(e => Convert.ToHexString(e.Key)))}], " +
        $"probes [{string.Join(", ", Probes.Take(5).Select(Convert.ToHexString))}]";
}
