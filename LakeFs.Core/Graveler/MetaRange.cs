namespace LakeFs.Core.Graveler;

/// <summary>A decoded metarange: the ranges of one commit's tree, ordered by key.</summary>
internal sealed class MetaRange(string id, RangeRef[] ranges)
{
    public string Id { get; } = id;

    public IReadOnlyList<RangeRef> Ranges { get; } = ranges;

    public long Count { get; } = ranges.Sum(r => r.Count);

    /// <summary>Approximate memory held, for the cache's byte bound.</summary>
    public long Cost { get; } = 64 + ranges.Sum(r => 128L + r.MinKey.Length + r.MaxKey.Length);

    /// <summary>Index of the first range whose max key is at or after <paramref name="key"/>; Count when none.</summary>
    public int FindRange(ReadOnlySpan<byte> key)
    {
        int lo = 0, hi = ranges.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (ranges[mid].MaxKey.AsSpan().SequenceCompareTo(key) < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }
}
