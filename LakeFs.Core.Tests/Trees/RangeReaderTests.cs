using System.Buffers.Binary;
using System.IO.Hashing;
using FsCheck;
using FsCheck.Fluent;
using LakeFs.Core.Errors;
using LakeFs.Core.Trees;

namespace LakeFs.Core.Tests.Trees;

public sealed class RangeReaderTests
{
    private const int FooterSize = 56;

    [FsCheck.NUnit.Property(MaxTest = 200)]
    public Property TryGet_finds_every_key_with_its_value_and_nothing_else() =>
        Prop.ForAll(RangeTestData.Cases(), CheckLookups);

    [FsCheck.NUnit.Property(MaxTest = 15)]
    public Property TryGet_works_across_many_blocks() =>
        Prop.ForAll(RangeTestData.LargeCases(), CheckLookups);

    [FsCheck.NUnit.Property(MaxTest = 50)]
    public Property Open_reports_the_written_properties_and_size() =>
        Prop.ForAll(RangeTestData.Cases(), c =>
        {
            var file = RangeTestData.Write(c);
            var reader = RangeReader.Open(file.Id, file.Bytes);

            Assert.That(reader.Id, Is.EqualTo(file.Id));
            Assert.That(reader.FileSize, Is.EqualTo(file.Bytes.Length));
            Assert.That(reader.Properties.MinKey, Is.EqualTo(file.Properties.MinKey));
            Assert.That(reader.Properties.MaxKey, Is.EqualTo(file.Properties.MaxKey));
            Assert.That(reader.Properties.Count, Is.EqualTo(file.Properties.Count));
            Assert.That(reader.Properties.DataBytes, Is.EqualTo(file.Properties.DataBytes));
        });

    [Test]
    public void A_single_entry_with_an_empty_key_and_value_round_trips()
    {
        var writer = new RangeWriter();
        writer.Add([], []);
        var file = writer.Finish();
        var reader = RangeReader.Open(file.Id, file.Bytes);

        Assert.That(reader.TryGet([], out var value), Is.True);
        Assert.That(value.Length, Is.Zero);
        Assert.That(reader.TryGet([0], out _), Is.False);
    }

    [Test]
    public void Flipping_any_byte_of_a_small_multi_block_file_is_detected()
    {
        var entries = RangeTestData.Paths(60);
        var file = RangeTestData.Write(entries, blockSize: 256, restartInterval: 4);
        Assert.That(RangeReader.Open(file.Id, file.Bytes).BlockCount, Is.GreaterThan(4));

        foreach (var mask in new byte[] { 0x01, 0x80, 0xFF })
        {
            for (var position = 0; position < file.Bytes.Length; position++)
            {
                var damaged = file.Bytes.ToArray();
                damaged[position] ^= mask;
                AssertDetected(file.Id, damaged, entries, $"byte {position} ^ 0x{mask:X2}");
            }
        }
    }

    [Test]
    public void Flipping_sampled_bytes_of_a_large_file_is_detected()
    {
        var entries = RangeTestData.Paths(20_000);
        var file = RangeTestData.Write(entries);
        var random = new Random(7);

        for (var i = 0; i < 300; i++)
        {
            // Half the samples land in the index, properties and footer, which a uniform sample would rarely hit.
            var position = i % 2 == 0 ? random.Next(file.Bytes.Length) : file.Bytes.Length - 1 - random.Next(Math.Min(file.Bytes.Length, 4096));
            var damaged = file.Bytes.ToArray();
            damaged[position] ^= (byte)random.Next(1, 256);
            AssertDetected(file.Id, damaged, entries, $"byte {position}");
        }
    }

    [Test]
    public void Truncated_files_are_rejected_on_open()
    {
        var file = RangeTestData.Write(RangeTestData.Paths(60), blockSize: 256);

        for (var length = 0; length < file.Bytes.Length; length++)
        {
            var truncated = file.Bytes[..length];
            var error = Assert.Throws<CorruptDataException>(() => RangeReader.Open(file.Id, truncated), $"length {length}");
            Assert.That(error!.Message, Does.Contain(file.Id));
        }
    }

    [Test]
    public void Random_garbage_is_rejected_on_open([Values(0, 1, 55, 56, 57, 200, 5000)] int length)
    {
        var garbage = RangeTestData.Bytes(length, length);

        var error = Assert.Throws<CorruptDataException>(() => RangeReader.Open("garbage-id", garbage));

        Assert.That(error!.Message, Does.Contain("garbage-id"));
    }

    [Test]
    public void Garbage_behind_a_valid_looking_footer_is_rejected_on_open()
    {
        var random = new Random(3);
        for (var i = 0; i < 500; i++)
        {
            var bytes = RangeTestData.Bytes(FooterSize + random.Next(0, 300), i);
            var dataEnd = bytes.Length - FooterSize;
            var propertiesLength = random.Next(0, dataEnd + 1);
            var indexLength = random.Next(0, dataEnd - propertiesLength + 1);
            WriteFooter(bytes, dataEnd - propertiesLength - indexLength, indexLength, propertiesLength, version: 1);

            Assert.Throws<CorruptDataException>(() => RangeReader.Open("forged", bytes));
        }
    }

    [Test]
    public void An_unknown_format_version_is_rejected()
    {
        var file = RangeTestData.Write(RangeTestData.Paths(10));
        var bytes = file.Bytes.ToArray();
        var footer = bytes.AsSpan(bytes.Length - FooterSize);
        WriteFooter(bytes, (long)BinaryPrimitives.ReadUInt64LittleEndian(footer), (long)BinaryPrimitives.ReadUInt64LittleEndian(footer[8..]),
            (long)BinaryPrimitives.ReadUInt64LittleEndian(footer[24..]), version: 3);

        var error = Assert.Throws<CorruptDataException>(() => RangeReader.Open(file.Id, bytes));

        Assert.That(error!.Message, Does.Contain("version 3"));
    }

    [Test]
    public void Data_blocks_are_verified_lazily_and_a_bad_block_is_named()
    {
        var entries = RangeTestData.Paths(2_000);
        var file = RangeTestData.Write(entries, blockSize: 1024);
        var bytes = file.Bytes.ToArray();
        var lastIndex = entries.Count - 1;
        var lastBlock = RangeReader.Open(file.Id, bytes).BlockCount - 1;

        // Damage the last data block only (a byte of its restart count, just before its checksum).
        bytes[IndexOffset(file) - 9] ^= 0x10;
        var reader = RangeReader.Open(file.Id, bytes);

        Assert.That(reader.TryGet(entries[0].Key, out var first), Is.True);
        Assert.That(first.ToArray(), Is.EqualTo(entries[0].Value));
        var error = Assert.Throws<CorruptDataException>(() => reader.TryGet(entries[lastIndex].Key, out _));
        Assert.That(error!.Message, Does.Contain(file.Id).And.Contain($"block {lastBlock}"));
    }

    [Test]
    public void Blocks_with_forged_checksums_never_cause_a_raw_exception()
    {
        // A buggy or hostile writer could produce blocks that pass their checksum but are not well formed.
        // The reader may then return odd answers, but must fail only with CorruptDataException.
        var entries = RangeTestData.Paths(200);
        var file = RangeTestData.Write(entries, blockSize: 512, restartInterval: 3);
        var blocks = BlockExtents(file);
        var random = new Random(11);

        for (var i = 0; i < 3000; i++)
        {
            var bytes = file.Bytes.ToArray();
            var (start, length) = blocks[random.Next(blocks.Count)];
            for (var n = random.Next(1, 4); n > 0; n--)
            {
                bytes[start + random.Next(length - 8)] = (byte)random.Next(256);
            }

            var checksum = XxHash3.HashToUInt64(bytes.AsSpan(start, length - 8));
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(start + length - 8), checksum);
            try
            {
                _ = ReadsCorrectly(file.Id, bytes, entries);
            }
            catch (CorruptDataException)
            {
            }
        }
    }

    [Test]
    public void Concurrent_lookups_on_one_reader_agree_with_the_input()
    {
        var entries = RangeTestData.Paths(5_000);
        var file = RangeTestData.Write(entries, blockSize: 1024);
        var reader = RangeReader.Open(file.Id, file.Bytes);
        var failures = 0;

        Parallel.For(0, 4, worker =>
        {
            for (var i = worker; i < entries.Count; i += 2)
            {
                if (!reader.TryGet(entries[i].Key, out var value) || !value.Span.SequenceEqual(entries[i].Value))
                {
                    Interlocked.Increment(ref failures);
                }
            }
        });

        Assert.That(failures, Is.Zero);
    }

    private static void CheckLookups(RangeCase c)
    {
        var file = RangeTestData.Write(c);
        var reader = RangeReader.Open(file.Id, file.Bytes);
        var present = new HashSet<byte[]>(c.Entries.Select(e => e.Key), ByteArrayEquality.Instance);

        foreach (var (key, expected) in c.Entries)
        {
            Assert.That(reader.TryGet(key, out var value), Is.True, () => $"key {Convert.ToHexString(key)} not found");
            Assert.That(value.ToArray(), Is.EqualTo(expected));
        }

        foreach (var probe in c.Probes.Where(p => !present.Contains(p)))
        {
            Assert.That(reader.TryGet(probe, out _), Is.False, () => $"absent key {Convert.ToHexString(probe)} found");
        }
    }

    private static void AssertDetected(string id, byte[] damaged, List<KeyValuePair<byte[], byte[]>> entries, string what)
    {
        bool correct;
        try
        {
            correct = ReadsCorrectly(id, damaged, entries);
        }
        catch (CorruptDataException error)
        {
            Assert.That(error.Message, Does.Contain(id), what);
            return;
        }

        Assert.Fail(correct ? $"{what}: the damage went unnoticed" : $"{what}: a read returned a wrong answer instead of reporting corruption");
    }

    /// <summary>Opens, scans, seeks and looks up every key; false when any answer differs from the input.</summary>
    private static bool ReadsCorrectly(string id, byte[] bytes, List<KeyValuePair<byte[], byte[]>> entries)
    {
        var reader = RangeReader.Open(id, bytes);
        var cursor = reader.CreateCursor();
        var i = 0;
        var mismatch = false;
        while (cursor.MoveNext())
        {
            mismatch |= i >= entries.Count || !cursor.Key.SequenceEqual(entries[i].Key) || !cursor.Value.Span.SequenceEqual(entries[i].Value);
            i++;
        }

        foreach (var (key, value) in entries)
        {
            mismatch |= !reader.TryGet(key, out var found) || !found.Span.SequenceEqual(value);
            mismatch |= !cursor.SeekGE(key) || !cursor.Key.SequenceEqual(key);
        }

        return !mismatch && i == entries.Count;
    }

    private static void WriteFooter(byte[] bytes, long indexOffset, long indexLength, long propertiesLength, uint version)
    {
        var footer = bytes.AsSpan(bytes.Length - FooterSize);
        BinaryPrimitives.WriteUInt64LittleEndian(footer, (ulong)indexOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(footer[8..], (ulong)indexLength);
        BinaryPrimitives.WriteUInt64LittleEndian(footer[16..], (ulong)(indexOffset + indexLength));
        BinaryPrimitives.WriteUInt64LittleEndian(footer[24..], (ulong)propertiesLength);
        BinaryPrimitives.WriteUInt32LittleEndian(footer[32..], version);
        BinaryPrimitives.WriteUInt32LittleEndian(footer[36..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(footer[40..], XxHash3.HashToUInt64(footer[..40]));
        "LAKEFSRG"u8.CopyTo(footer[48..]);
    }

    /// <summary>Offset and length (checksum included) of every block: data blocks, index, properties.</summary>
    private static List<(int Start, int Length)> BlockExtents(RangeFile file)
    {
        var reader = RangeReader.Open(file.Id, file.Bytes);
        var extents = new List<(int, int)>();
        var start = 0;
        for (var block = 0; block < reader.BlockCount; block++)
        {
            var end = block + 1 < reader.BlockCount ? reader.GetBlock(block + 1).Start : IndexOffset(file);
            extents.Add((start, end - start));
            start = end;
        }

        var footer = file.Bytes.Span[(file.Bytes.Length - FooterSize)..];
        extents.Add(((int)BinaryPrimitives.ReadUInt64LittleEndian(footer), (int)BinaryPrimitives.ReadUInt64LittleEndian(footer[8..])));
        extents.Add(((int)BinaryPrimitives.ReadUInt64LittleEndian(footer[16..]), (int)BinaryPrimitives.ReadUInt64LittleEndian(footer[24..])));
        return extents;
    }

    private static int IndexOffset(RangeFile file) =>
        (int)BinaryPrimitives.ReadUInt64LittleEndian(file.Bytes.Span[(file.Bytes.Length - FooterSize)..]);
}
