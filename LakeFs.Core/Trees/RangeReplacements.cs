namespace LakeFs.Core.Trees;

/// <summary>
/// The range-level half of a three-way merge. A destination range the destination never changed (the base has a
/// range with its id) whose key span the source covers with exactly one range of the same bounds merges to that
/// source range as a whole: in that span base and destination agree, so the merge result is the source's
/// content, which is that range. Such ranges are taken by id — nothing is decoded or rewritten — and the
/// entry-level merge only drops the span's steps, counting them as changes.
/// </summary>
internal sealed class RangeReplacements
{
    private readonly List<RangeRef> _spans = [];
    private int _next;

    private RangeReplacements(MetaRange destination)
    {
        Destination = destination;
    }

    /// <summary>The destination's tree with every taken range already replaced by the source's: the base of the entry-level rebuild.</summary>
    public MetaRange Destination { get; private set; }

    /// <summary>How many ranges were taken whole.</summary>
    public int Count => _spans.Count;

    /// <summary>Entry-level steps that fell inside taken ranges (each a change the taken range carries).</summary>
    public long DroppedChanges { get; private set; }

    public static RangeReplacements Find(MetaRange baseTree, MetaRange source, MetaRange destination)
    {
        var taken = new RangeReplacements(destination);
        var baseIds = baseTree.Ranges.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var ranges = destination.Ranges.ToArray();
        for (var i = 0; i < ranges.Length; i++)
        {
            var d = ranges[i];
            if (!baseIds.Contains(d.Id))
            {
                continue;
            }
            var at = source.FindRange(d.MaxKey);
            if (at < source.Ranges.Count && source.Ranges[at] is var s && s.Id != d.Id
                && s.MaxKey.AsSpan().SequenceEqual(d.MaxKey) && s.MinKey.AsSpan().SequenceEqual(d.MinKey))
            {
                ranges[i] = s;
                taken._spans.Add(s);
            }
        }
        if (taken._spans.Count > 0)
        {
            taken.Destination = new MetaRange(string.Empty, ranges);
        }
        return taken;
    }

    /// <summary>
    /// Whether <paramref name="key"/> lies inside a taken range; counts it when it does. Keys must come in
    /// ascending order (the order of merge steps).
    /// </summary>
    public bool Drop(ReadOnlySpan<byte> key)
    {
        while (_next < _spans.Count && _spans[_next].MaxKey.AsSpan().SequenceCompareTo(key) < 0)
        {
            _next++;
        }
        if (_next < _spans.Count && _spans[_next].MinKey.AsSpan().SequenceCompareTo(key) <= 0)
        {
            DroppedChanges++;
            return true;
        }
        return false;
    }
}
