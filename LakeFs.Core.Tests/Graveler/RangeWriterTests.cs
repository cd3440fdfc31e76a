using System.Security.Cryptography;
using FsCheck;
using FsCheck.Fluent;
using LakeFs.Core.Graveler;

namespace LakeFs.Core.Tests.Graveler;

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

    [Test]
    public void Data_blocks_stay_near_the_block_size()
    {
        var file = RangeTestData.Write(RangeTestData.Paths(20_000), blockSize: 4096);
        var reader = RangeReader.Open(file.Id, file.Bytes);

        var average = (double)file.Bytes.Length / reader.BlockCount;

        Assert.That(average, Is.InRange(4096, 4096 + 200));
    }

    /// <summary>
    /// Version 1 is on disk in users' repositories: the bytes of a known input are pinned, so a change to the
    /// writer that alters the encoding fails here rather than silently forking range ids.
    /// </summary>
    [TestCase(32 * 1024, 16, "f573f5899be600c9bd68276bee945a3319bb5f23da63dbf77451e9bb20fa9a4a")]
    [TestCase(4096, 16, "012531c7781684454adfa7a5b5d785a1479658858d16730d5a35ac6d7acee765")]
    [TestCase(512, 3, "26394eec88b3c95936e27175917718255a40b3df07376237493bd3c36040227f")]
    public void Version_1_bytes_are_pinned(int blockSize, int restartInterval, string expectedId)
    {
        var file = RangeTestData.Write(RangeTestData.Paths(3000, seed: 7), blockSize, restartInterval);
        Assert.That(file.Id, Is.EqualTo(expectedId));
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
