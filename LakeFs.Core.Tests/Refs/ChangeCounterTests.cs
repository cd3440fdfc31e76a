using LakeFs.Core.Refs;
using LakeFs.Core.Tests.TestSupport;

namespace LakeFs.Core.Tests.Refs;

public sealed class ChangeCounterTests
{
    [Test]
    public void Open_creates_the_file_when_missing_and_starts_at_zero()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("refs.db-changes");

        using var counter = ChangeCounter.Open(path);

        Assert.That(counter, Is.Not.Null);
        Assert.That(File.Exists(path), Is.True);
        Assert.That(new FileInfo(path).Length, Is.EqualTo(2 * sizeof(long)), "the change counter and the rule counter");
        Assert.That(counter!.Read(), Is.Zero);
        Assert.That(counter.ReadRules(), Is.Zero);
    }

    [Test]
    public void A_file_of_an_older_version_grows_a_rule_counter_and_keeps_its_count()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("refs.db-changes");
        File.WriteAllBytes(path, BitConverter.GetBytes(41L));

        using var counter = ChangeCounter.Open(path)!;
        counter.Increment();
        counter.IncrementRules();

        Assert.That(new FileInfo(path).Length, Is.EqualTo(2 * sizeof(long)));
        Assert.That(counter.Read(), Is.EqualTo(42));
        Assert.That(counter.ReadRules(), Is.EqualTo(1), "puts and commits do not bump the rule counter, nor rule changes the other");
    }

    [Test]
    public void Two_counters_on_one_file_see_each_others_increments()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("refs.db-changes");
        using var a = ChangeCounter.Open(path)!;
        using var b = ChangeCounter.Open(path)!;

        a.Increment();
        Assert.That(b.Read(), Is.EqualTo(1));
        b.Increment();
        b.Increment();
        Assert.That(a.Read(), Is.EqualTo(3));

        // Increments from both at once are never lost.
        Parallel.For(0, 8, i =>
        {
            var counter = i % 2 == 0 ? a : b;
            for (var n = 0; n < 10_000; n++)
            {
                counter.Increment();
            }
        });
        Assert.That(a.Read(), Is.EqualTo(80_003));
        Assert.That(b.Read(), Is.EqualTo(80_003));
    }

    [Test]
    public void A_counter_opened_again_continues_from_the_value_in_the_file()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("refs.db-changes");
        using (var first = ChangeCounter.Open(path)!)
        {
            first.Increment();
            first.Increment();
        }

        using var again = ChangeCounter.Open(path)!;

        Assert.That(again.Read(), Is.EqualTo(2));
    }

    [Test]
    public void Open_returns_null_when_the_file_cannot_be_made()
    {
        using var temp = new TempDirectory();

        Assert.That(ChangeCounter.Open(temp.Combine("missing-folder", "refs.db-changes")), Is.Null);
        Assert.That(ChangeCounter.Open(temp.Path), Is.Null, "a folder is not a counter file");
    }

    [Test]
    public void Read_and_Increment_after_Dispose_throw_ObjectDisposedException()
    {
        using var temp = new TempDirectory();
        var counter = ChangeCounter.Open(temp.Combine("refs.db-changes"))!;
        counter.Increment();

        counter.Dispose();

        Assert.That(() => counter.Read(), Throws.InstanceOf<ObjectDisposedException>());
        Assert.That(() => counter.Increment(), Throws.InstanceOf<ObjectDisposedException>());
    }

    [Test]
    public void A_Dispose_racing_reads_ends_them_with_ObjectDisposedException_and_never_crashes()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("refs.db-changes");
        for (var round = 0; round < 200; round++)
        {
            var counter = ChangeCounter.Open(path)!;
            var started = new ManualResetEventSlim();
            var reads = 0L;
            var reader = Task.Run(() =>
            {
                started.Set();
                try
                {
                    while (true)
                    {
                        counter.Read();
                        counter.Increment();
                        reads++;
                    }
                }
                catch (ObjectDisposedException)
                {
                    return reads;
                }
            });
            started.Wait();

            counter.Dispose();

            // The reader ends with ObjectDisposedException (an access violation would end the test process instead).
            Assert.That(reader.Wait(TimeSpan.FromMinutes(1)), Is.True, $"round {round}");
            started.Dispose();
        }
        using var last = ChangeCounter.Open(path)!;
        Assert.That(last.Read(), Is.GreaterThan(0));
    }
}
