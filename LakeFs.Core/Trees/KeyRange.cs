namespace LakeFs.Core.Trees;

/// <summary>The keys from <paramref name="From"/> (inclusive) to <paramref name="To"/> (exclusive), in byte order.</summary>
internal readonly record struct KeyRange(byte[] From, byte[] To)
{
    /// <summary>The one key <paramref name="key"/>.</summary>
    public static KeyRange Single(byte[] key) => new(key, Keys.Successor(key));

    /// <summary>Every key that starts with <paramref name="prefix"/>.</summary>
    public static KeyRange Prefix(byte[] prefix) => new(prefix, Keys.PrefixEnd(prefix));

    /// <summary>Whether <paramref name="key"/> is in the range.</summary>
    public bool Contains(ReadOnlySpan<byte> key) => key.SequenceCompareTo(From) >= 0 && key.SequenceCompareTo(To) < 0;

    /// <summary>The ranges sorted by start, overlapping or touching ones merged: disjoint and ascending.</summary>
    public static KeyRange[] Normalize(IEnumerable<KeyRange> ranges)
    {
        var sorted = ranges.OrderBy(r => r.From, ByteOrder.Instance).ToList();
        var merged = new List<KeyRange>(sorted.Count);
        foreach (var range in sorted)
        {
            if (merged.Count > 0 && range.From.AsSpan().SequenceCompareTo(merged[^1].To) <= 0)
            {
                var last = merged[^1];
                merged[^1] = new KeyRange(last.From, range.To.AsSpan().SequenceCompareTo(last.To) > 0 ? range.To : last.To);
            }
            else
            {
                merged.Add(range);
            }
        }
        return [.. merged];
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
