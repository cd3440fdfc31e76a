using System.Security.Cryptography;
using FsCheck;
using FsCheck.Fluent;
using LakeFs.Core.Trees;

namespace LakeFs.Core.Tests.Trees;

public sealed class RangeWriterTests
{
    [FsCheck.NUnit.Property(MaxTest = 50)]
    public Property Same_entries_give_same_bytes_and_id_even_from_a_reused_writer() =>
        Prop.ForAll(RangeTestData.Cases(), c =>
        {
            var first = RangeTestData.Write(c);
            var writer = new RangeWriter(c.BlockSize, c.RestartInterval);
            writer.Add([0x42], [1, 2, 3]);
            writer.Reset();
            foreach (var (key, value) in c.Entries)
            {
                writer.Add(key, value);
            }

            var second = writer.Finish();
            foreach (var (key, value) in c.Entries)
            {
                writer.Add(key, value);
            }

            var third = writer.Finish();

            Assert.That(second.Bytes.ToArray(), Is.EqualTo(first.Bytes.ToArray()));
            Assert.That(third.Bytes.ToArray(), Is.EqualTo(first.Bytes.ToArray()));
            Assert.That(second.Id, Is.EqualTo(first.Id));
        });

    [FsCheck.NUnit.Property(MaxTest = 50)]
    public Property Id_is_lowercase_hex_sha256_of_the_bytes_and_properties_match_the_input() =>
        Prop.ForAll(RangeTestData.Cases(), c =>
        {
            var file = RangeTestData.Write(c);

            Assert.That(file.Id, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(file.Bytes.Span))));
            Assert.That(file.Properties.MinKey, Is.EqualTo(c.Entries[0].Key));
            Assert.That(file.Properties.MaxKey, Is.EqualTo(c.Entries[^1].Key));
            Assert.That(file.Properties.Count, Is.EqualTo(c.Entries.Count));
            Assert.That(file.Properties.DataBytes, Is.EqualTo(c.Entries.Sum(e => (long)e.Key.Length + e.Value.Length)));
        });

    [FsCheck.NUnit.Property(MaxTest = 50)]
    public Property EstimatedSize_is_within_one_index_entry_of_the_finished_size() =>
        Prop.ForAll(RangeTestData.Cases(), c =>
        {
            var writer = new RangeWriter(c.BlockSize, c.RestartInterval);
            foreach (var (key, value) in c.Entries)
            {
                writer.Add(key, value);
            }

            var estimate = writer.EstimatedSize;
            var actual = writer.Finish().Bytes.Length;

            Assert.That(estimate, Is.InRange(actual, actual + c.Entries[^1].Key.Length + 16));
        });

    [Test]
    public void Changing_one_value_byte_changes_the_id()
    {
        var entries = RangeTestData.Paths(500);
        var original = RangeTestData.Write(entries, blockSize: 1024);
        entries[250].Value[0] ^= 1;

        var changed = RangeTestData.Write(entries, blockSize: 1024);

        Assert.That(changed.Id, Is.Not.EqualTo(original.Id));
    }

    [Test]
    public void Different_block_sizes_give_different_files_for_the_same_entries()
    {
        var entries = RangeTestData.Paths(500);

        var small = RangeTestData.Write(entries, blockSize: 512);
        var large = RangeTestData.Write(entries, blockSize: 4096);

        Assert.That(small.Id, Is.Not.EqualTo(large.Id));
        Assert.That(RangeReader.Open(small.Id, small.Bytes).BlockCount, Is.GreaterThan(RangeReader.Open(large.Id, large.Bytes).BlockCount));
    }

    [Test]
    public void Count_and_IsEmpty_track_adds_and_reset_after_finish()
    {
        var writer = new RangeWriter();
        Assert.That(writer.IsEmpty, Is.True);
        Assert.That(writer.EstimatedSize, Is.Zero);

        writer.Add("a"u8, "1"u8);
        writer.Add("b"u8, "2"u8);
        Assert.That(writer.Count, Is.EqualTo(2));
        Assert.That(writer.IsEmpty, Is.False);

        writer.Finish();
        Assert.That(writer.Count, Is.Zero);
        Assert.That(writer.IsEmpty, Is.True);
        writer.Add("a"u8, "1"u8);
        Assert.That(writer.Count, Is.EqualTo(1));
    }

    [TestCase("b", "b")]
    [TestCase("b", "a")]
    [TestCase("ab", "a")]
    [TestCase("\u00ff", "\u007f")]
    public void Adding_a_key_not_above_the_previous_one_throws_and_leaves_the_writer_usable(string first, string second)
    {
        var writer = new RangeWriter();
        writer.Add(System.Text.Encoding.UTF8.GetBytes(first), "1"u8);

        Assert.Throws<ArgumentException>(() => writer.Add(System.Text.Encoding.UTF8.GetBytes(second), "2"u8));

        writer.Add(System.Text.Encoding.UTF8.GetBytes(first + "z"), "3"u8);
        Assert.That(writer.Finish().Properties.Count, Is.EqualTo(2));
    }

    [Test]
    public void Keys_are_ordered_as_unsigned_bytes()
    {
        var writer = new RangeWriter();
        writer.Add([0x7F], []);
        writer.Add([0x80], []);
        writer.Add([0xFF], []);

        Assert.Throws<ArgumentException>(() => writer.Add([0x00], []));
    }

    [Test]
    public void Finish_on_an_empty_writer_throws()
    {
        var writer = new RangeWriter();
        Assert.Throws<InvalidOperationException>(() => writer.Finish());

        writer.Add("a"u8, []);
        writer.Reset();
        Assert.Throws<InvalidOperationException>(() => writer.Finish());
    }

    [Test]
    public void Settings_must_be_positive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RangeWriter(blockSize: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RangeWriter(restartInterval: 0));
    }

    /// <summary>
    /// The property block copying rests on: rewriting a file after removing, changing and inserting entries, with
    /// every block no edit touched offered to <see cref="RangeWriter.TryCopyBlock"/>, gives exactly the bytes of
    /// adding the edited entries one by one; and blocks do get copied.
    /// </summary>
    [FsCheck.NUnit.Property(MaxTest = 80)]
    public Property Copying_untouched_blocks_gives_the_bytes_of_adding_their_entries() =>
        Prop.ForAll(RangeTestData.LargeCases(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (c, seed) =>
        {
            var source = RangeTestData.Write(c);
            var reader = RangeReader.Open(source.Id, source.Bytes);
            var edited = Edit(c.Entries, new Random(seed));
            // Editing can remove every entry (one entry, deleted, nothing appended): then no file is expected.
            var expected = edited.Count == 0 ? null : RangeTestData.Write(edited, c.BlockSize, c.RestartInterval).Bytes.ToArray();

            var writer = new RangeWriter(c.BlockSize, c.RestartInterval);
            var next = 0;
            var copied = 0;
            var start = 0;
            for (var block = 0; block < reader.BlockCount; block++)
            {
                // The source entries of this block, and the edited entries up to its last key.
                var count = BlockCursor.Measure(reader.Block(block).Span, reader.Id).Count;
                var original = c.Entries.Skip(start).Take(count).ToList();
                start += count;
                var end = next;
                while (end < edited.Count && edited[end].Key.AsSpan().SequenceCompareTo(reader.LastKey(block)) <= 0)
                {
                    end++;
                }
                var mine = edited.GetRange(next, end - next);
                next = end;
                var untouched = mine.Count == original.Count && mine.Zip(original).All(p => p.First.Key.SequenceEqual(p.Second.Key) && p.First.Value.SequenceEqual(p.Second.Value));
                var n = untouched ? writer.TryCopyBlock(reader, block) : 0;
                if (n > 0)
                {
                    Assert.That(n, Is.EqualTo(count));
                    copied++;
                    continue;
                }
                foreach (var (key, value) in mine)
                {
                    writer.Add(key, value);
                }
            }
            foreach (var (key, value) in edited.Skip(next))
            {
                writer.Add(key, value);
            }

            Assert.That(writer.IsEmpty ? null : writer.Finish().Bytes.ToArray(), Is.EqualTo(expected));
            return copied > 0 || reader.BlockCount < 20;
        });

    /// <summary>
    /// Removes, changes and inserts about three entries in all; half the time also appends entries after the
    /// last, as a rewrite that runs on into the next range does (the source's last block was closed by finishing
    /// the file, so copying it then would be wrong).
    /// </summary>
    private static List<KeyValuePair<byte[], byte[]>> Edit(IReadOnlyList<KeyValuePair<byte[], byte[]>> entries, Random random)
    {
        var edited = new SortedDictionary<byte[], byte[]>(RangeTestData.Ordinal);
        foreach (var (key, value) in entries)
        {
            switch (random.Next(Math.Max(3, entries.Count)))
            {
                case 0:
                    break;
                case 1:
                    edited[key] = [.. value, 1];
                    break;
                case 2:
                    edited[key] = value;
                    edited.TryAdd([.. key, 0], [7]);
                    break;
                default:
                    edited[key] = value;
                    break;
            }
        }
        if (random.Next(2) == 0)
        {
            var last = entries[^1].Key;
            for (var i = random.Next(1, 40); i > 0; i--)
            {
                edited.TryAdd([.. last, 0, (byte)i], RangeTestData.Bytes(random.Next(0, 100), i));
            }
        }
        return [.. edited];
    }

    [Test]
    public void A_block_is_copied_only_between_blocks_and_from_a_file_of_the_same_block_size()
    {
        var entries = RangeTestData.Paths(2_000);
        var source = RangeTestData.Write(entries, blockSize: 1024);
        var reader = RangeReader.Open(source.Id, source.Bytes);

        var midBlock = new RangeWriter(1024);
        midBlock.Add([0], [1]);
        var otherSize = new RangeWriter(2048);
        var otherInterval = new RangeWriter(1024, restartInterval: 8);
        var between = new RangeWriter(1024);

        Assert.Multiple(() =>
        {
            Assert.That(midBlock.TryCopyBlock(reader, 0), Is.Zero);
            Assert.That(otherSize.TryCopyBlock(reader, 0), Is.Zero);
            Assert.That(otherInterval.TryCopyBlock(reader, 0), Is.Zero);
            Assert.That(between.TryCopyBlock(reader, 0), Is.EqualTo(BlockCursor.Measure(reader.Block(0).Span, reader.Id).Count));
            Assert.That(() => between.TryCopyBlock(reader, 0), Throws.ArgumentException, "keys still have to increase");
        });
    }

    [Test]
    public void Data_blocks_are_cut_by_content_near_the_block_size()
    {
        var file = RangeTestData.Write(RangeTestData.Paths(20_000), blockSize: 4096);
        var reader = RangeReader.Open(file.Id, file.Bytes);

        var sizes = Enumerable.Range(0, reader.BlockCount).Select(b => reader.GetBlock(b).Length).ToList();

        Assert.That(sizes.Average(), Is.InRange(3500, 4700));
        Assert.That(sizes.SkipLast(1).Min(), Is.GreaterThanOrEqualTo(2048), "a block holds at least half the block size");
        Assert.That(sizes.Max(), Is.LessThanOrEqualTo(2 * 4096 + 200), "a block closes at twice the block size");
        Assert.That(sizes.Distinct().Count(), Is.GreaterThan(sizes.Count / 4), "cuts follow the keys, not a fixed size");
    }

    /// <summary>
    /// Version 2 is what the writer puts into users' repositories: the bytes of a known input are pinned, so a
    /// change to the writer that alters the encoding fails here rather than silently forking range ids.
    /// </summary>
    [TestCase(32 * 1024, 16, "d950b427e13775065820a91244a0bfd409f71e46ab464751a62cef0d4f99045b")]
    [TestCase(4096, 16, "9014dad9f29988cb71cd8063763e29af84578bcb250fff269d80f1a1cd311801")]
    [TestCase(512, 3, "2c7bd9c71dfe5092667136ee7ecf1cffb33fa84e4bb95eb316d81eced68b2ac0")]
    public void Version_2_bytes_are_pinned(int blockSize, int restartInterval, string expectedId)
    {
        var file = RangeTestData.Write(RangeTestData.Paths(3000, seed: 7), blockSize, restartInterval);
        Assert.That(file.Id, Is.EqualTo(expectedId));
    }

    /// <summary>A version 1 file (size-cut blocks), written by the writer before version 2, reads as it always did.</summary>
    [Test]
    public void Version_1_files_are_still_read_and_never_copied_from()
    {
        var bytes = File.ReadAllBytes(Path.Combine(TestContext.CurrentContext.TestDirectory, "Trees", "Fixtures", "range-v1.bin"));
        const string id = "f60cfcbbc19590885da4ae742096889bb7c91a121617d7d0ed07954b968c6500";
        Assert.That(Convert.ToHexStringLower(SHA256.HashData(bytes)), Is.EqualTo(id));

        var reader = RangeReader.Open(id, bytes);
        var entries = RangeTestData.Paths(300, seed: 7);
        var cursor = reader.CreateCursor();
        var read = new List<KeyValuePair<byte[], byte[]>>();
        while (cursor.MoveNext())
        {
            read.Add(new(cursor.Key.ToArray(), cursor.Value.ToArray()));
        }

        Assert.Multiple(() =>
        {
            Assert.That(read.Select(e => e.Key), Is.EqualTo(entries.Select(e => e.Key)));
            Assert.That(read.Select(e => e.Value), Is.EqualTo(entries.Select(e => e.Value)));
            Assert.That(reader.TryGet(entries[123].Key, out var value) && value.Span.SequenceEqual(entries[123].Value), Is.True);
            Assert.That((reader.BlockSize, reader.RestartInterval), Is.EqualTo((0, 0)));
            Assert.That(new RangeWriter(512, 3).TryCopyBlock(reader, 0), Is.Zero, "a size-cut block is never copied into a content-cut file");
        });
    }

    [Test]
    public void FinishInPlace_gives_the_same_file_as_Finish_and_the_next_add_starts_a_new_file()
    {
        var entries = RangeTestData.Paths(2000, seed: 3);
        var owned = RangeTestData.Write(entries, 4096);
        var writer = new RangeWriter(4096);
        foreach (var (key, value) in entries)
        {
            writer.Add(key, value);
        }

        var inPlace = writer.FinishInPlace();
        Assert.Multiple(() =>
        {
            Assert.That(inPlace.Id, Is.EqualTo(owned.Id));
            Assert.That(inPlace.Bytes.ToArray(), Is.EqualTo(owned.Bytes.ToArray()));
            Assert.That(writer.IsEmpty, Is.True);
            Assert.That(writer.EstimatedSize, Is.Zero);
        });

        // The next file may reuse the buffer (and any key order): it is a file of its own.
        writer.Add(entries[0].Key, entries[0].Value);
        var single = writer.Finish();
        Assert.That(single.Id, Is.EqualTo(RangeTestData.Write(entries.Take(1), 4096).Id));
    }
}
