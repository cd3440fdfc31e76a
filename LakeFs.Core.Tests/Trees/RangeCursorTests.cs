using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;
using LakeFs.Core.Trees;

namespace LakeFs.Core.Tests.Trees;

public sealed class RangeCursorTests
{
    [FsCheck.NUnit.Property(MaxTest = 200)]
    public Property A_full_scan_returns_the_input_in_order() =>
        Prop.ForAll(RangeTestData.Cases(), CheckScan);

    [FsCheck.NUnit.Property(MaxTest = 15)]
    public Property A_full_scan_across_many_blocks_returns_the_input_in_order() =>
        Prop.ForAll(RangeTestData.LargeCases(), CheckScan);

    [FsCheck.NUnit.Property(MaxTest = 200)]
    public Property SeekGE_lands_on_the_first_key_at_or_after_the_target() =>
        Prop.ForAll(RangeTestData.Cases(), CheckSeeks);

    [FsCheck.NUnit.Property(MaxTest = 15)]
    public Property SeekGE_across_many_blocks_lands_on_the_first_key_at_or_after_the_target() =>
        Prop.ForAll(RangeTestData.LargeCases(), CheckSeeks);

    [Test]
    public void Key_and_Value_need_a_position()
    {
        var cursor = Open(RangeTestData.Paths(3)).CreateCursor();

        Assert.Throws<InvalidOperationException>(() => _ = cursor.Key.Length);
        while (cursor.MoveNext())
        {
        }

        Assert.Throws<InvalidOperationException>(() => _ = cursor.Value);
    }

    [Test]
    public void An_exhausted_cursor_stays_exhausted_until_it_seeks_again()
    {
        var entries = RangeTestData.Paths(50);
        var cursor = Open(entries, blockSize: 128).CreateCursor();

        Assert.That(cursor.SeekGE([0xFF]), Is.False);
        Assert.That(cursor.MoveNext(), Is.False);
        Assert.That(cursor.SeekGE(entries[10].Key), Is.True);
        Assert.That(cursor.Key.ToArray(), Is.EqualTo(entries[10].Key));
        Assert.That(cursor.MoveNext(), Is.True);
        Assert.That(cursor.Key.ToArray(), Is.EqualTo(entries[11].Key));
    }

    [Test]
    public void Seeking_backwards_is_allowed()
    {
        var entries = RangeTestData.Paths(300);
        var cursor = Open(entries, blockSize: 256).CreateCursor();

        Assert.That(cursor.SeekGE(entries[250].Key), Is.True);
        Assert.That(cursor.SeekGE(entries[3].Key), Is.True);
        Assert.That(cursor.Key.ToArray(), Is.EqualTo(entries[3].Key));
    }

    [Test]
    public void Values_stay_valid_after_the_cursor_moves_on_and_cursors_are_independent()
    {
        var entries = RangeTestData.Paths(400);
        var reader = Open(entries, blockSize: 256);
        var first = reader.CreateCursor();
        var second = reader.CreateCursor();
        var values = new List<ReadOnlyMemory<byte>>();

        Assert.That(second.SeekGE(entries[200].Key), Is.True);
        while (first.MoveNext())
        {
            values.Add(first.Value);
        }

        Assert.That(second.Key.ToArray(), Is.EqualTo(entries[200].Key));
        Assert.That(values.Select(v => v.ToArray()), Is.EqualTo(entries.Select(e => e.Value)));
    }

    [Test]
    [Explicit("Throughput measurement; run on demand. Timings are printed, never asserted.")]
    public void Measure_throughput()
    {
        const int count = 1_000_000;
        var entries = RangeTestData.Paths(count);
        var writer = new RangeWriter();
        var watch = Stopwatch.StartNew();
        foreach (var (key, value) in entries)
        {
            writer.Add(key, value);
        }

        var file = writer.Finish();
        var encode = watch.Elapsed;

        watch.Restart();
        var reader = RangeReader.Open(file.Id, file.Bytes);
        var cursor = reader.CreateCursor();
        var scanned = 0;
        while (cursor.MoveNext())
        {
            scanned++;
        }

        var scanCold = watch.Elapsed;
        watch.Restart();
        cursor = reader.CreateCursor();
        while (cursor.MoveNext())
        {
            scanned++;
        }

        var scanWarm = watch.Elapsed;
        var random = new Random(5);
        var probes = Enumerable.Range(0, count).Select(_ => entries[random.Next(count)].Key).ToArray();
        watch.Restart();
        var found = probes.Count(p => reader.TryGet(p, out _));
        var lookups = watch.Elapsed;
        watch.Restart();
        var seeks = reader.CreateCursor();
        var seeked = probes.Count(p => seeks.SeekGE(p));
        var seekTime = watch.Elapsed;

        Assert.That(scanned, Is.EqualTo(2 * count));
        Assert.That(found, Is.EqualTo(count));
        Assert.That(seeked, Is.EqualTo(count));
        TestContext.Out.WriteLine($"file {file.Bytes.Length / 1024.0 / 1024.0:F1} MiB for {count:N0} entries ({file.Properties.DataBytes / 1024.0 / 1024.0:F1} MiB of keys and values)");
        TestContext.Out.WriteLine($"encode (incl. SHA-256)  {count / encode.TotalSeconds,14:N0} entries/s");
        TestContext.Out.WriteLine($"open + scan (verifying) {count / scanCold.TotalSeconds,14:N0} entries/s");
        TestContext.Out.WriteLine($"scan (verified)         {count / scanWarm.TotalSeconds,14:N0} entries/s");
        TestContext.Out.WriteLine($"TryGet, random          {count / lookups.TotalSeconds,14:N0} lookups/s");
        TestContext.Out.WriteLine($"SeekGE, random          {count / seekTime.TotalSeconds,14:N0} seeks/s");
    }

    private static RangeReader Open(IEnumerable<KeyValuePair<byte[], byte[]>> entries, int blockSize = 32 * 1024)
    {
        var file = RangeTestData.Write(entries, blockSize);
        return RangeReader.Open(file.Id, file.Bytes);
    }

    private static void CheckScan(RangeCase c)
    {
        var file = RangeTestData.Write(c);
        var cursor = RangeReader.Open(file.Id, file.Bytes).CreateCursor();
        var scanned = new List<KeyValuePair<byte[], byte[]>>();
        while (cursor.MoveNext())
        {
            scanned.Add(new(cursor.Key.ToArray(), cursor.Value.ToArray()));
        }

        Assert.That(cursor.MoveNext(), Is.False);
        Assert.That(scanned, Is.EqualTo(c.Entries));
    }

    private static void CheckSeeks(RangeCase c)
    {
        var file = RangeTestData.Write(c);
        var cursor = RangeReader.Open(file.Id, file.Bytes).CreateCursor();
        var keys = c.Entries.Select(e => e.Key).ToList();

        foreach (var probe in c.Probes.Concat(keys))
        {
            var index = keys.BinarySearch(probe, RangeTestData.Ordinal);
            if (index < 0)
            {
                index = ~index;
            }

            var found = cursor.SeekGE(probe);
            Assert.That(found, Is.EqualTo(index < keys.Count), () => $"SeekGE({Convert.ToHexString(probe)})");
            if (!found)
            {
                continue;
            }

            Assert.That(cursor.Key.ToArray(), Is.EqualTo(keys[index]));
            Assert.That(cursor.Value.ToArray(), Is.EqualTo(c.Entries[index].Value));
            if (index + 1 < keys.Count)
            {
                Assert.That(cursor.MoveNext(), Is.True);
                Assert.That(cursor.Key.ToArray(), Is.EqualTo(keys[index + 1]));
            }
        }
    }
}
