using LakeFs.Core.Gc;
using LakeFs.Core.Tests.TestSupport;

namespace LakeFs.Core.Tests.Gc;

public sealed class MarkSetTests
{
    [TestCase(1_000_000)]
    [TestCase(1)]
    [TestCase(97)]
    public void ReadSorted_returns_every_mark_once_in_order_whether_in_memory_or_in_run_files(int maxInMemory)
    {
        using var temp = new TempDirectory();
        var random = new Random(maxInMemory);
        var expected = new SortedSet<Mark>();
        using (var marks = new MarkSet(maxInMemory, temp.Path))
        {
            for (var i = 0; i < 5_000; i++)
            {
                // Few hours and a narrow id space, so repeats happen within and across runs.
                var mark = new Mark((ulong)(2026120200 + random.Next(4)), new UInt128((ulong)random.Next(3), (ulong)random.Next(2_000)));
                expected.Add(mark);
                marks.Add(mark.Hour, mark.Id);
            }
            Assert.That(marks.Added, Is.EqualTo(5_000));
            Assert.That(marks.Runs, maxInMemory >= 5_000 ? Is.EqualTo(0) : Is.GreaterThan(0));
            Assert.That(marks.ReadSorted().ToList(), Is.EqualTo(expected.ToList()));
        }
        Assert.That(Directory.EnumerateFileSystemEntries(temp.Path), Is.Empty, "run files and their folder are removed");
    }

    [Test]
    public void Marks_order_by_hour_then_by_id_as_a_listing_of_their_keys_does()
    {
        string Key(Mark m) => $"data/{m.Hour:D10}/{m.Id:x32}";
        var marks = new[]
        {
            new Mark(2026120211, UInt128.MaxValue), new Mark(2026120210, new UInt128(1, 0)), new Mark(2026120210, new UInt128(0, ulong.MaxValue)),
            new Mark(2026120212, UInt128.Zero),
        };
        Assert.That(marks.Order().Select(Key), Is.EqualTo(marks.Select(Key).Order(StringComparer.Ordinal)));
    }
}
