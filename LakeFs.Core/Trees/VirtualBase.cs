using System.Buffers;
using System.Security.Cryptography;
using LakeFs.Core.Model;
using LakeFs.Core.Refs;

namespace LakeFs.Core.Trees;

/// <summary>
/// The tree a merge is three-way against. One best common ancestor: its tree. None: the empty tree. Several (a
/// criss-cross history): they are merged into a virtual base the way git's recursive strategy does it — in the order
/// of <see cref="FindAsync"/>, the first with the second, that result with the third, and so on, each pairwise
/// merge three-way against the merge base(s) of its two sides, found and combined the same way, one level deeper.
/// The virtual base is written as a metarange like any tree but never becomes a commit (its files are unreferenced
/// and garbage collection removes them). See docs/merges.md.
/// <para>
/// Inside a virtual merge a conflict cannot stop the merge. As in git: a path both sides changed to different
/// objects gets a <see cref="IsConflictEntry">conflict entry</see>, an entry whose identity is derived from the two
/// sides and the depth and matches no real object (git writes the file with conflict markers); a path one side
/// deleted and the other changed keeps the version of the pair's own base.
/// </para>
/// </summary>
internal sealed class VirtualBase(TreeStore trees, IRefStore refs)
{
    private const string ConflictChecksumPrefix = "merge-base-conflict:";

    private static readonly MetaRange Empty = new(string.Empty, []);

    /// <summary>How many pairwise merges the last <see cref="TreeAsync"/> made (0 unless the history is criss-cross).</summary>
    public int VirtualMerges { get; private set; }

    /// <summary>
    /// Every best common ancestor of the commits in <paramref name="left"/> (taken together, as the parents of a
    /// virtual merge commit) and <paramref name="right"/>, in the order they are merged in, which the history alone
    /// fixes: <see cref="MergeBase.Order"/> (generation, message, committer, metadata), then the content of their
    /// trees — compared path by path by identity, a missing path first, through a diff that skips shared ranges —
    /// and only when the content is the same too, the commit id.
    /// </summary>
    public async Task<IReadOnlyList<Commit>> FindAsync(IReadOnlyList<Commit> left, Commit right, CancellationToken cancellationToken)
    {
        var bases = (await refs.FindMergeBasesAsync([.. left.Select(c => c.Id)], right.Id, cancellationToken).ConfigureAwait(false)).ToArray();
        // Few bases, already in MergeBase.Order: an insertion sort settles the ties that need the trees.
        for (var i = 1; i < bases.Length; i++)
        {
            for (var j = i; j > 0 && await CompareAsync(bases[j - 1], bases[j], cancellationToken).ConfigureAwait(false) > 0; j--)
            {
                (bases[j - 1], bases[j]) = (bases[j], bases[j - 1]);
            }
        }
        return bases;
    }

    /// <summary>The base tree for merging two commits whose best common ancestors are <paramref name="bases"/> (in the order of <see cref="FindAsync"/>).</summary>
    public Task<MetaRange> TreeAsync(IReadOnlyList<Commit> bases, CancellationToken cancellationToken) =>
        CombineAsync(bases, depth: 1, cancellationToken);

    /// <summary>
    /// Whether <paramref name="entry"/> stands for a conflict inside a virtual merge. Such an entry has no bytes. In
    /// the merge the virtual base is for, it can only be the base: the sides are commits, whose trees hold real
    /// entries only, and a merge result holds only the sides' entries and what a resolver gives (docs/merges.md).
    /// </summary>
    public static bool IsConflictEntry(Entry entry) => entry.Size < 0;

    /// <summary>
    /// The entry for a path that the two sides of a virtual merge at <paramref name="depth"/> changed to different
    /// objects. Its identity is a hash of the depth and both sides' identities in order, as git's conflicted file is
    /// a function of both sides' contents, the order and the depth (the conflict markers grow by two per level): the
    /// same conflict reached twice is the same entry, and it never equals a real object, whose size is never negative.
    /// </summary>
    public static Entry ConflictEntry(int depth, Entry ours, Entry theirs)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        buffer.WriteVarUInt64((ulong)depth);
        WriteIdentity(buffer, ours);
        WriteIdentity(buffer, theirs);
        var checksum = ConflictChecksumPrefix + Convert.ToHexStringLower(SHA256.HashData(buffer.WrittenSpan));
        return new Entry(string.Empty, -1, checksum, Entry.DefaultContentType, Entry.NoMetadata, DateTimeOffset.UnixEpoch);
    }

    private async Task<MetaRange> CombineAsync(IReadOnlyList<Commit> bases, int depth, CancellationToken cancellationToken)
    {
        if (bases.Count == 0)
        {
            return Empty;
        }
        var merged = await trees.GetMetaRangeAsync(bases[0].MetaRangeId, cancellationToken).ConfigureAwait(false);
        // The real commits the virtual commit built so far stands for: its ancestry is theirs.
        var heads = new List<Commit> { bases[0] };
        foreach (var next in bases.Skip(1))
        {
            var pairBases = await FindAsync(heads, next, cancellationToken).ConfigureAwait(false);
            var pairBase = await CombineAsync(pairBases, depth + 1, cancellationToken).ConfigureAwait(false);
            var nextTree = await trees.GetMetaRangeAsync(next.MetaRangeId, cancellationToken).ConfigureAwait(false);
            // The accumulated side is "ours" (git's "Temporary merge branch 1"), the next base "theirs".
            (merged, _) = await ThreeWayMerge.MergeAsync(trees, pairBase, nextTree, merged, step => Resolve(step, depth), cancellationToken).ConfigureAwait(false);
            heads.Add(next);
            VirtualMerges++;
        }
        return merged;
    }

    private async ValueTask<int> CompareAsync(Commit a, Commit b, CancellationToken cancellationToken)
    {
        var order = MergeBase.Order.Compare(a, b);
        if (order == 0 && a.MetaRangeId != b.MetaRangeId)
        {
            var left = await trees.GetMetaRangeAsync(a.MetaRangeId, cancellationToken).ConfigureAwait(false);
            var right = await trees.GetMetaRangeAsync(b.MetaRangeId, cancellationToken).ConfigureAwait(false);
            await foreach (var difference in TreeDiff.DiffAsync(trees, left, right, [], cancellationToken).ConfigureAwait(false))
            {
                order = (difference.Left, difference.Right) switch
                {
                    (null, _) => -1,
                    (_, null) => 1,
                    ({ } x, { } y) => Identity(EntryCodec.Decode(x.Span)).AsSpan().SequenceCompareTo(Identity(EntryCodec.Decode(y.Span))),
                };
                break;
            }
        }
        return order != 0 ? order : string.CompareOrdinal(a.Id, b.Id);
    }

    private static byte[] Identity(Entry entry)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        WriteIdentity(buffer, entry);
        return buffer.WrittenSpan.ToArray();
    }

    private static (bool Apply, byte[]? Value) Resolve(ThreeWayDifference step, int depth) =>
        step is { Destination: { } ours, Source: { } theirs }
            ? (true, EntryCodec.Encode(ConflictEntry(depth, EntryCodec.Decode(ours.Span), EntryCodec.Decode(theirs.Span))))
            // Changed on one side, deleted on the other: git keeps the common version, the only one both sides had.
            : (true, step.Base?.ToArray());

    private static void WriteIdentity(ArrayBufferWriter<byte> buffer, Entry entry)
    {
        buffer.WriteVarInt64(entry.Size);
        buffer.WriteString(entry.Checksum);
        buffer.WriteString(entry.ContentType);
        buffer.WriteVarUInt64((ulong)entry.Metadata.Count);
        foreach (var (key, value) in entry.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            buffer.WriteString(key);
            buffer.WriteString(value);
        }
    }
}
