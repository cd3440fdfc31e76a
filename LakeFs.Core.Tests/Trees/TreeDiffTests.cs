using System.Text;
using FsCheck;
using FsCheck.Fluent;
using LakeFs.Core.Trees;
using LakeFs.Core.Tests.TestSupport;
using LakeFs.Storage.Memory;

namespace LakeFs.Core.Tests.Trees;

public class TreeDiffTests
{
    private static readonly TreeOptions Small = new() { BlockSize = 512, MinRangeBytes = 1024, BoundaryBits = 3, MaxRangeBytes = 16 * 1024 };

    private static MetaRange Empty => new(string.Empty, []);

    private static TreeStore NewStore(TreeOptions options) => new(new MemoryObjectStore(), options, 64L * 1024 * 1024, durable: false);

    private static async Task<MetaRange> BuildAsync(TreeStore trees, MetaRange baseTree, IEnumerable<(string, Entry?)> changes) =>
        (await new TreeBuilder(trees).BuildAsync(baseTree, new ListCursor(changes), CancellationToken.None)).Tree;

    private static async Task<List<(string Key, string? Left, string? Right)>> DiffAsync(TreeStore trees, MetaRange a, MetaRange b, string prefix = "")
    {
        var result = new List<(string, string?, string?)>();
        await foreach (var d in TreeDiff.DiffAsync(trees, a, b, Encoding.UTF8.GetBytes(prefix), CancellationToken.None))
        {
            result.Add((Encoding.UTF8.GetString(d.Key),
                d.Left is { } l ? EntryCodec.Decode(l.Span).Checksum : null,
                d.Right is { } r ? EntryCodec.Decode(r.Span).Checksum : null));
        }
        return result;
    }

    [Test]
    public async Task Diff_of_ten_changes_in_100000_objects_opens_only_the_changed_ranges()
    {
        var trees = NewStore(TreeOptions.Default);
        var left = await BuildAsync(trees, Empty, Enumerable.Range(0, 100_000).Select(i => ($"p/{i:D7}", (Entry?)ListCursor.NewEntry($"{i:x8}"))));
        var changed = Enumerable.Range(0, 10).Select(i => i * 9_973).ToArray();
        var right = await BuildAsync(trees, left, changed.Select(i => ($"p/{i:D7}", (Entry?)ListCursor.NewEntry("new" + i))));
        var touchedRanges = changed.Select(i => left.FindRange(Encoding.UTF8.GetBytes($"p/{i:D7}"))).Distinct().Count();
        var before = trees.RangeRequests;

        var diff = await DiffAsync(trees, left, right);

        Assert.That(diff.Select(d => d.Key), Is.EqualTo(changed.Select(i => $"p/{i:D7}")));
        Assert.That(trees.RangeRequests - before, Is.LessThanOrEqualTo(4 * touchedRanges),
            $"{left.Ranges.Count} ranges in all, {touchedRanges} touched by the changes");
    }

    [Test]
    public async Task Diff_walks_only_the_changed_block_of_a_range_changed_in_place()
    {
        var trees = NewStore(new TreeOptions { BlockSize = 256, MinRangeBytes = 4096, BoundaryBits = 3, MaxRangeBytes = 64 * 1024 });
        var left = await BuildAsync(trees, Empty, Enumerable.Range(0, 3_000).Select(i => ($"p/{i:D5}", (Entry?)ListCursor.NewEntry($"{i:x8}"))));
        var middle = left.Ranges[left.Ranges.Count / 2];
        var range = await trees.GetRangeAsync(middle.Id, CancellationToken.None);
        var key = Encoding.UTF8.GetString(middle.MinKey);
        // A new version of the same length: the range keeps its bounds and its block boundaries.
        var right = await BuildAsync(trees, left, [(key, ListCursor.NewEntry("ffffffff"))]);
        var before = trees.BlocksSkipped;

        var diff = await DiffAsync(trees, left, right);

        Assert.That(diff.Select(d => d.Key), Is.EqualTo(new[] { key }));
        Assert.That(range.BlockCount, Is.GreaterThan(2));
        Assert.That(trees.BlocksSkipped - before, Is.EqualTo(range.BlockCount - 1), "every block but the changed one compared as bytes");
    }

    [Test]
    public async Task Diff_verifies_only_the_blocks_it_decodes_and_passes_runs_of_equal_blocks_as_bytes()
    {
        var trees = NewStore(new TreeOptions { BlockSize = 256, MinRangeBytes = 4096, BoundaryBits = 3, MaxRangeBytes = 64 * 1024 });
        var left = await BuildAsync(trees, Empty, Enumerable.Range(0, 3_000).Select(i => ($"p/{i:D5}", (Entry?)ListCursor.NewEntry($"{i:x8}"))));
        var middle = left.Ranges[left.Ranges.Count / 2];
        var key = Encoding.UTF8.GetString(middle.MinKey);
        var right = await BuildAsync(trees, left, [(key, ListCursor.NewEntry("ffffffff"))]);
        // Cached after the build, so the diff's left side reads through this fresh reader.
        var range = await trees.GetRangeAsync(middle.Id, CancellationToken.None);

        var diff = await DiffAsync(trees, left, right);

        Assert.That(diff.Select(d => d.Key), Is.EqualTo(new[] { key }));
        Assert.That(range.BlockCount, Is.GreaterThan(4));
        // The changed first block and the one after it are decoded; every later pair is compared as stored bytes.
        Assert.That(range.VerifiedBlockCount, Is.EqualTo(2), $"of {range.BlockCount} blocks");
    }

    [Test]
    public async Task After_an_inserted_entry_a_diff_meets_equal_blocks_again()
    {
        // Blocks are cut by content: an insertion moves the cuts of its own block only, so every later block of
        // the range is byte-equal on both sides again (with size-cut blocks, every later cut moved).
        var trees = NewStore(new TreeOptions { BlockSize = 256, MinRangeBytes = 4096, BoundaryBits = 3, MaxRangeBytes = 64 * 1024 });
        var left = await BuildAsync(trees, Empty, Enumerable.Range(0, 3_000).Select(i => ($"p/{i:D5}", (Entry?)ListCursor.NewEntry($"{i:x8}"))));
        var middle = left.Ranges[left.Ranges.Count / 2];
        var key = Encoding.UTF8.GetString(middle.MinKey) + "a";
        var right = await BuildAsync(trees, left, [(key, ListCursor.NewEntry("ffffffff"))]);
        var range = await trees.GetRangeAsync(middle.Id, CancellationToken.None);

        var diff = await DiffAsync(trees, left, right);

        Assert.That(diff.Select(d => d.Key), Is.EqualTo(new[] { key }));
        Assert.That(range.BlockCount, Is.GreaterThan(6));
        Assert.That(range.VerifiedBlockCount, Is.LessThanOrEqualTo(3), $"of {range.BlockCount} blocks");
    }

    [Test]
    public async Task A_diff_left_midway_and_a_build_give_their_buffers_back_for_the_next_pass()
    {
        var trees = NewStore(Small);
        var left = await BuildAsync(trees, Empty, Enumerable.Range(0, 3_000).Select(i => ($"p/{i:D5}", (Entry?)ListCursor.NewEntry($"{i:x8}"))));
        var right = await BuildAsync(trees, left, Enumerable.Range(0, 3_000).Where(i => i % 100 == 0).Select(i => ($"p/{i:D5}", (Entry?)ListCursor.NewEntry("ffffffff"))));
        var pooled = trees.PooledScratchCount;
        Assert.That(pooled, Is.GreaterThan(0), "builds return their read buffers");

        await foreach (var _ in TreeDiff.DiffAsync(trees, left, right, [], CancellationToken.None))
        {
            Assert.That(trees.PooledScratchCount, Is.EqualTo(Math.Max(0, pooled - 2)), "a diff holds one buffer per side");
            break;
        }

        Assert.That(trees.PooledScratchCount, Is.EqualTo(pooled), "leaving the diff early gives both back");
    }

    [Test]
    public async Task Diff_of_a_tree_with_itself_is_empty_without_opening_a_range()
    {
        var trees = NewStore(Small);
        var tree = await BuildAsync(trees, Empty, Enumerable.Range(0, 3_000).Select(i => ($"p/{i:D5}", (Entry?)ListCursor.NewEntry($"{i:x8}"))));
        var before = trees.RangeRequests;

        Assert.That(await DiffAsync(trees, tree, tree), Is.Empty);
        Assert.That(trees.RangeRequests, Is.EqualTo(before));
    }

    [FsCheck.NUnit.Property(MaxTest = 80)]
    public Property Diff_matches_comparing_two_dictionaries()
    {
        var keyGen = Gen.Choose(0, 300).Select(i => $"{(char)('a' + (i % 3))}/{i:D4}");
        var entriesGen = Gen.Zip(keyGen, Gen.Choose(0, 2)).ListOf()
            .Select(l => l.GroupBy(p => p.Item1).ToDictionary(g => g.Key, g => $"{g.Last().Item2:x2}"));
        var prefixGen = Gen.Elements("", "a/", "b/0", "c/01", "z");
        var casesGen = from a in entriesGen from b in entriesGen from p in prefixGen select (a, b, p);
        return Prop.ForAll(casesGen.ToArbitrary(), t =>
        {
            var (a, b, prefix) = t;
            var trees = NewStore(Small);
            var left = BuildAsync(trees, Empty, a.Select(p => (p.Key, (Entry?)ListCursor.NewEntry(p.Value)))).GetAwaiter().GetResult();
            // Build the right side from the left, so the two trees share ranges as real commits do.
            var changes = a.Keys.Union(b.Keys).Select(k => (k, b.TryGetValue(k, out var v) ? ListCursor.NewEntry(v) : null));
            var right = BuildAsync(trees, left, changes).GetAwaiter().GetResult();

            var expected = a.Keys.Union(b.Keys)
                .Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
                .Where(k => a.GetValueOrDefault(k) != b.GetValueOrDefault(k))
                .Order(StringComparer.Ordinal)
                .Select(k => (k, a.GetValueOrDefault(k), b.GetValueOrDefault(k)))
                .ToList();
            var actual = DiffAsync(trees, left, right, prefix).GetAwaiter().GetResult();
            return actual.SequenceEqual(expected);
        });
    }

    [Test]
    public async Task Passes_over_ranges_never_fill_the_cache_and_point_lookups_do()
    {
        var store = new Storage.FlakyObjectStore();
        var builder = new TreeStore(store, TreeOptions.Default, 64L * 1024 * 1024, durable: false);
        var left = await BuildAsync(builder, Empty, Enumerable.Range(0, 20_000).Select(i => ($"p/{i:D7}", (Entry?)ListCursor.NewEntry($"{i:x8}"))));
        var right = await BuildAsync(builder, left, Enumerable.Range(0, 20).Select(i => ($"p/{i * 997:D7}", (Entry?)ListCursor.NewEntry("new" + i))));
        var trees = new TreeStore(store, TreeOptions.Default, 64L * 1024 * 1024, durable: false);

        async Task<int> ReadsOfOneDiffAsync()
        {
            var before = store.Reads;
            Assert.That(await DiffAsync(trees, left, right), Has.Count.EqualTo(20));
            return store.Reads - before;
        }

        var first = await ReadsOfOneDiffAsync();
        Assert.That(first, Is.GreaterThan(0));
        Assert.That(await ReadsOfOneDiffAsync(), Is.EqualTo(first), "a diff is one pass: it reads through a scratch buffer");

        var key = Encoding.UTF8.GetBytes($"p/{997:D7}");
        var reads = store.Reads;
        Assert.That((await trees.GetEntryAsync(right, key, CancellationToken.None))!.Checksum, Is.EqualTo(ListCursor.NewEntry("new1").Checksum));
        Assert.That(store.Reads, Is.EqualTo(reads + 1));
        await trees.GetEntryAsync(right, key, CancellationToken.None);
        Assert.That(store.Reads, Is.EqualTo(reads + 1), "point lookups are cached");
        Assert.That(await ReadsOfOneDiffAsync(), Is.EqualTo(first - 1), "and a pass uses what is cached");
    }
}
