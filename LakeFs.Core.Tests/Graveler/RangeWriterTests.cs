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

            Assert.That(second.Bytes, Is.EqualTo(first.Bytes));
            Assert.That(third.Bytes, Is.EqualTo(first.Bytes));
            Assert.That(second.Id, Is.EqualTo(first.Id));
        });

    [FsCheck.NUnit.Property(MaxTest = 50)]
    public Property Id_is_lowercase_hex_sha256_of_the_bytes_and_properties_match_the_input() =>
        Prop.ForAll(RangeTestData.Cases(), c =>
        {
            var file = RangeTestData.Write(c);

            Assert.That(file.Id, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(file.Bytes))));
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
}
