using System.Text;
using FsCheck;
using FsCheck.Fluent;
using LakeFs.Core.Trees;
using LakeFs.Core.Tests.Storage;
using LakeFs.Core.Tests.TestSupport;
using LakeFs.Storage;
using LakeFs.Storage.Memory;

namespace LakeFs.Core.Tests.Trees;

public class TreeBuilderTests
{
    private static readonly TreeOptions Small = new() { BlockSize = 512, MinRangeBytes = 1024, BoundaryBits = 3, MaxRangeBytes = 16 * 1024 };

    private static TreeStore NewStore(TreeOptions? options = null) =>
        new(new MemoryObjectStore(), options ?? TreeOptions.Default, 64L * 1024 * 1024, durable: false);

    private static string PathOf(int i) => $"tables/events/part-{i:D7}.parquet";

    private static async Task<Dictionary<string, string>> ReadAllAsync(TreeStore trees, MetaRange tree)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var cursor = new TreeCursor(trees, tree, []);
        byte[]? previous = null;
        while (await cursor.MoveNextAsync(CancellationToken.None))
        {
            var key = cursor.Key.ToArray();
            Assert.That(previous is null || previous.AsSpan().SequenceCompareTo(key) < 0, "keys must come out strictly increasing");
            previous = key;
            result[Encoding.UTF8.GetString(key)] = EntryCodec.Decode(cursor.Value.Span).Checksum;
        }
        return result;
    }

    private static Task<(MetaRange Tree, Model.CommitStatistics Statistics)> BuildAsync(
        TreeStore trees, MetaRange baseTree, IEnumerable<(string, Entry?)> changes) =>
        new TreeBuilder(trees).BuildAsync(baseTree, new ListCursor(changes), CancellationToken.None);

    private static MetaRange Empty => new(string.Empty, []);

    [Test]
    public async Task A_build_whose_range_write_fails_throws_and_gives_every_writer_back()
    {
        var store = new FlakyObjectStore();
        var trees = new TreeStore(store, Small, 64L * 1024 * 1024, durable: false);
        var paths = Enumerable.Range(0, 3_000).Select(PathOf).ToList();
        var (tree, _) = await BuildAsync(trees, Empty, paths.Select(p => (p, (Entry?)ListCursor.NewEntry("first"))));
        Assert.That(tree.Ranges, Has.Count.GreaterThan(10));
        var pooled = trees.PooledWriterCount;
        Assert.That(pooled, Is.GreaterThanOrEqualTo(3), "a build uses one writer and two more for the ranges it is writing");

        // A build from scratch only writes: the first range file fails while the next ones are in flight.
        store.FailuresLeft = 1;
        Assert.That(async () => await BuildAsync(trees, Empty, paths.Select(p => (p, (Entry?)ListCursor.NewEntry("second")))),
            Throws.InstanceOf<StorageException>());

        Assert.That(trees.PooledWriterCount, Is.EqualTo(pooled), "writers of ranges still in flight went back once they were done");
        Assert.That(await ReadAllAsync(trees, tree), Has.Count.EqualTo(3_000).And.All.Matches<KeyValuePair<string, string>>(e => e.Value == ListCursor.NewEntry("first").Checksum));
    }

    [Test]
    public async Task Changing_one_object_of_100000_rewrites_at_most_two_ranges()
    {
        var trees = NewStore();
        var (tree, first) = await BuildAsync(trees, Empty,
            Enumerable.Range(0, 100_000).Select(i => (PathOf(i), (Entry?)ListCursor.NewEntry($"{i:x8}"))));
        Assert.That(first.Changes, Is.EqualTo(100_000));
        Assert.That(tree.Ranges, Has.Count.GreaterThan(20), "a 100k-entry tree spans many ranges");

        var (next, stats) = await BuildAsync(trees, tree, [(PathOf(54_321), ListCursor.NewEntry("changed"))]);

        Assert.That(stats.Changes, Is.EqualTo(1));
        Assert.That(stats.RangesWritten, Is.LessThanOrEqualTo(2));
        Assert.That(stats.RangesReused, Is.GreaterThanOrEqualTo(tree.Ranges.Count - 2));
        Assert.That(stats.EntriesWritten, Is.LessThan(20_000), "only the touched range's entries are rewritten");
        TestContext.Out.WriteLine($"{stats.EntriesWritten} entries written, {stats.EntriesCopied} in copied blocks");
        Assert.That(stats.EntriesWritten - stats.EntriesCopied, Is.LessThan(300), "only the blocks around the change are encoded again");
        var content = await ReadAllAsync(trees, next);
        Assert.That(content, Has.Count.EqualTo(100_000));
        Assert.That(content[PathOf(54_321)], Is.EqualTo("changed"));
    }

    [Test]
    public async Task A_version_1_range_in_the_base_is_rewritten_entry_by_entry_into_version_2()
    {
        // A repository written before format version 2: its ranges have size-cut blocks, none may be copied.
        var bytes = File.ReadAllBytes(Path.Combine(TestContext.CurrentContext.TestDirectory, "Trees", "Fixtures", "range-v1.bin"));
        var old = RangeReader.Open("f60cfcbbc19590885da4ae742096889bb7c91a121617d7d0ed07954b968c6500", bytes);
        var objects = new MemoryObjectStore();
        await objects.PutAsync(TreeStore.RangePrefix + old.Id, new MemoryStream(bytes));
        var trees = new TreeStore(objects, new TreeOptions { BlockSize = 512 }, 64L * 1024 * 1024, durable: false);
        var p = old.Properties;
        var baseTree = new MetaRange("v1-tree", [new RangeRef(old.Id, p.MinKey, p.MaxKey, p.Count, p.DataBytes)]);
        var added = Encoding.UTF8.GetString(p.MinKey) + "-new";

        var (next, stats) = await BuildAsync(trees, baseTree, [(added, ListCursor.NewEntry("added"))]);

        Assert.That(stats.Changes, Is.EqualTo(1));
        Assert.That(stats.EntriesCopied, Is.Zero);
        var expected = RangeTestData.Paths(300, seed: 7).Select(e => (Key: e.Key, Value: e.Value)).ToList();
        expected.Insert(1, (Encoding.UTF8.GetBytes(added), EntryCodec.Encode(ListCursor.NewEntry("added"))));
        var read = new List<(byte[] Key, byte[] Value)>();
        var cursor = new TreeCursor(trees, next, []);
        while (await cursor.MoveNextAsync(CancellationToken.None))
        {
            read.Add((cursor.Key.ToArray(), cursor.Value.ToArray()));
        }
        Assert.That(read.Select(e => e.Key), Is.EqualTo(expected.Select(e => e.Key)));
        Assert.That(read.Select(e => e.Value), Is.EqualTo(expected.Select(e => e.Value)));
        var written = await trees.GetRangeAsync(next.Ranges[0].Id, CancellationToken.None);
        Assert.That(written.BlockSize, Is.EqualTo(512), "the rewrite is a version 2 file");
    }

    [Test]
    public async Task Deleting_every_range_boundary_key_keeps_cost_bounded_and_content_right()
    {
        var trees = NewStore(Small);
        var (tree, _) = await BuildAsync(trees, Empty,
            Enumerable.Range(0, 5_000).Select(i => (PathOf(i), (Entry?)ListCursor.NewEntry($"{i:x8}"))));
        var boundary = Encoding.UTF8.GetString(tree.Ranges[5].MaxKey);

        var (next, stats) = await BuildAsync(trees, tree, [(boundary, null)]);

        Assert.That(stats.Changes, Is.EqualTo(1));
        Assert.That(stats.RangesWritten, Is.LessThanOrEqualTo(2), "a lost boundary costs at most one extra range");
        var content = await ReadAllAsync(trees, next);
        Assert.That(content, Has.Count.EqualTo(4_999));
        Assert.That(content.ContainsKey(boundary), Is.False);
    }

    [Test]
    public async Task Identical_entries_and_tombstones_of_absent_keys_are_no_change()
    {
        var trees = NewStore(Small);
        var (tree, _) = await BuildAsync(trees, Empty, Enumerable.Range(0, 500).Select(i => (PathOf(i), (Entry?)ListCursor.NewEntry($"{i:x8}"))));
        var same = ListCursor.NewEntry($"{7:x8}") with { Address = "data/elsewhere/new-upload", LastModified = DateTimeOffset.UtcNow };

        var (next, stats) = await BuildAsync(trees, tree, [(PathOf(7), same), ("not/there", null)]);

        Assert.That(stats.Changes, Is.Zero);
        Assert.That(next.Id, Is.EqualTo(tree.Id), "an unchanged tree keeps its id");
    }

    [Test]
    public async Task Empty_changes_reuse_every_range_without_opening_any()
    {
        var trees = NewStore(Small);
        var (tree, _) = await BuildAsync(trees, Empty, Enumerable.Range(0, 2_000).Select(i => (PathOf(i), (Entry?)ListCursor.NewEntry($"{i:x8}"))));
        var before = trees.RangeRequests;

        var (next, stats) = await BuildAsync(trees, tree, []);

        Assert.That(trees.RangeRequests, Is.EqualTo(before));
        Assert.That(stats.RangesReused, Is.EqualTo(tree.Ranges.Count));
        Assert.That(next.Id, Is.EqualTo(tree.Id));
    }

    [FsCheck.NUnit.Property(MaxTest = 60)]
    public Property Building_on_a_base_equals_applying_the_changes_to_a_dictionary()
    {
        var keyGen = Gen.Choose(0, 400).Select(i => $"k/{i % 7}/{i:D4}");
        var opGen = Gen.Zip(keyGen, Gen.Choose(0, 3)).Select(t => (Key: t.Item1, Value: t.Item2 == 0 ? null : $"{t.Item2:x2}{t.Item1.GetHashCode():x8}"));
        var batchGen = opGen.ListOf().Select(ops => ops.GroupBy(o => o.Key).Select(g => g.Last()).ToList());
        var batchesGen = from a in batchGen from b in batchGen from c in batchGen select (a, b, c);
        return Prop.ForAll(batchesGen.ToArbitrary(), batches =>
        {
            var trees = NewStore(Small);
            var model = new Dictionary<string, string>(StringComparer.Ordinal);
            var tree = Empty;
            foreach (var batch in new[] { batches.Item1, batches.Item2, batches.Item3 })
            {
                tree = BuildAsync(trees, tree, batch.Select(o => (o.Key, o.Value is null ? null : ListCursor.NewEntry(o.Value)))).GetAwaiter().GetResult().Tree;
                foreach (var (key, value) in batch)
                {
                    if (value is null)
                    {
                        model.Remove(key);
                    }
                    else
                    {
                        model[key] = value;
                    }
                }
                var content = ReadAllAsync(trees, tree).GetAwaiter().GetResult();
                if (!content.OrderBy(p => p.Key, StringComparer.Ordinal).SequenceEqual(model.OrderBy(p => p.Key, StringComparer.Ordinal)))
                {
                    return false;
                }
            }
            return true;
        });
    }
}
