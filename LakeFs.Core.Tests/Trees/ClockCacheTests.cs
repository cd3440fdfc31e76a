using LakeFs.Core.Trees;

namespace LakeFs.Core.Tests.Trees;

public sealed class ClockCacheTests
{
    [Test]
    public void An_entry_read_since_the_last_sweep_outlives_one_that_was_not()
    {
        var cache = new ClockCache<string, int>(3, _ => 1);
        cache.Add("a", 1);
        cache.Add("b", 2);
        cache.Add("c", 3);
        Assert.That(cache.TryGet("a", out _), Is.True);

        cache.Add("d", 4);

        Assert.That(Keys(cache, "a", "b", "c", "d"), Is.EqualTo(new[] { "a", "c", "d" }));
    }

    [Test]
    public void A_new_entry_is_swept_last()
    {
        var cache = new ClockCache<string, int>(3, _ => 1);
        cache.Add("a", 1);
        cache.Add("b", 2);
        cache.Add("c", 3);

        cache.Add("d", 4); // evicts a
        cache.Add("e", 5); // evicts b, not d

        Assert.That(Keys(cache, "a", "b", "c", "d", "e"), Is.EqualTo(new[] { "c", "d", "e" }));
    }

    [Test]
    public void Replacing_a_value_keeps_one_entry_and_its_new_cost()
    {
        var cache = new ClockCache<string, int>(10, v => v);
        cache.Add("a", 4);
        cache.Add("a", 6);

        Assert.That(cache.TryGet("a", out var value), Is.True);
        Assert.That(value, Is.EqualTo(6));
        Assert.That(cache.Count, Is.EqualTo(1));
        Assert.That(cache.Size, Is.EqualTo(6));
    }

    [Test]
    public void A_value_larger_than_the_capacity_is_not_kept_and_evicts_nothing()
    {
        var cache = new ClockCache<string, int>(10, v => v);
        cache.Add("a", 5);
        cache.Add("huge", 11);

        Assert.That(cache.TryGet("huge", out _), Is.False);
        Assert.That(cache.TryGet("a", out _), Is.True);
    }

    [Test]
    public void Random_adds_replacements_and_reads_never_exceed_the_capacity_and_keep_the_latest_values()
    {
        var cache = new ClockCache<int, int>(1_000, v => v % 97 + 1);
        var latest = new Dictionary<int, int>();
        var random = new Random(5);
        for (var i = 0; i < 50_000; i++)
        {
            var key = random.Next(400);
            if (random.Next(3) == 0)
            {
                var value = random.Next(10_000);
                cache.Add(key, value);
                latest[key] = value;
            }
            else if (cache.TryGet(key, out var value))
            {
                Assert.That(value, Is.EqualTo(latest[key]), $"key {key} after {i} steps");
            }
            Assert.That(cache.Size, Is.LessThanOrEqualTo(1_000));
        }
        var held = Enumerable.Range(0, 400).Where(k => cache.TryGet(k, out _)).ToList();
        Assert.That(held, Has.Count.EqualTo(cache.Count));
        Assert.That(held.Sum(k => latest[k] % 97 + 1), Is.EqualTo(cache.Size));
    }

    [Test]
    public void Concurrent_readers_and_writers_see_only_values_that_were_added()
    {
        var cache = new ClockCache<int, string>(64, _ => 1);
        var wrong = 0;
        Parallel.For(0, 4, worker =>
        {
            var random = new Random(worker);
            for (var i = 0; i < 100_000; i++)
            {
                var key = random.Next(200);
                if (worker % 2 == 0)
                {
                    cache.Add(key, "v" + key);
                }
                else if (cache.TryGet(key, out var value) && value != "v" + key)
                {
                    Interlocked.Increment(ref wrong);
                }
            }
        });

        Assert.That(wrong, Is.Zero);
        Assert.That(cache.Count, Is.LessThanOrEqualTo(64));
        Assert.That(cache.Size, Is.EqualTo(cache.Count));
    }

    /// <summary>Which of <paramref name="keys"/> the cache holds (reading them marks them referenced).</summary>
    private static string[] Keys(ClockCache<string, int> cache, params string[] keys) =>
        [.. keys.Where(k => cache.TryGet(k, out _))];
}
