using System.Diagnostics;
using LakeFs.Core.Tests.TestSupport;
using LakeFs.Storage;
using LakeFs.Storage.Local;

namespace LakeFs.Core.Tests.Storage;

/// <summary>
/// Upload and download throughput of each emulator relative to the local adapter, in the same run. A measurement,
/// not a test: it asserts nothing about time and runs only when asked for:
/// <c>./test.sh --filter TestCategory=Throughput</c>.
/// </summary>
[TestFixture]
[Explicit("A measurement; run with ./test.sh --filter TestCategory=Throughput")]
[Category("Throughput")]
public sealed class CloudThroughputTests
{
    private const int LargeCount = 4;
    private const int LargeSize = 16 * 1024 * 1024;
    private const int SmallCount = 200;
    private const int SmallSize = 16 * 1024;

    [Test]
    public async Task Measure_upload_and_download_against_the_local_adapter()
    {
        using var temp = new TempDirectory();
        var large = new byte[LargeSize];
        var small = new byte[SmallSize];
        new Random(1).NextBytes(large);
        new Random(2).NextBytes(small);

        var local = await MeasureAsync(new LocalObjectStore(temp.Combine("local")), large, small);
        var lines = new List<string>
        {
            $"workload: {LargeCount} x {LargeSize >> 20} MiB and {SmallCount} x {SmallSize >> 10} KiB, sequential; MB/s and ratio to local",
            Row("local", local, local),
        };
        foreach (var name in CloudStores.Names)
        {
            var (store, client) = await CloudStores.OpenAsync(name, productionSizes: true);
            using (client)
            {
                lines.Add(Row(name, await MeasureAsync(store, large, small), local));
            }
        }
        foreach (var line in lines)
        {
            TestContext.Progress.WriteLine(line);
            TestContext.Out.WriteLine(line);
        }
        Assert.That(lines, Has.Count.EqualTo(2 + CloudStores.Names.Length));
    }

    private static string Row(string name, Throughput measured, Throughput local) =>
        $"{name,-6} large up {measured.LargeUp,8:F1} ({measured.LargeUp / local.LargeUp:P1})  large down {measured.LargeDown,8:F1} ({measured.LargeDown / local.LargeDown:P1})  " +
        $"small up {measured.SmallUp,8:F1} ({measured.SmallUp / local.SmallUp:P1})  small down {measured.SmallDown,8:F1} ({measured.SmallDown / local.SmallDown:P1})";

    private static async Task<Throughput> MeasureAsync(IObjectStore store, byte[] large, byte[] small)
    {
        double largeUp = await TimeAsync(LargeCount * (long)large.Length, async () =>
        {
            for (int i = 0; i < LargeCount; i++)
            {
                await store.PutAsync($"large/{i}", new NonSeekableStream(large));
            }
        });
        double largeDown = await TimeAsync(LargeCount * (long)large.Length, async () =>
        {
            for (int i = 0; i < LargeCount; i++)
            {
                await DrainAsync(store, $"large/{i}");
            }
        });
        double smallUp = await TimeAsync(SmallCount * (long)small.Length, async () =>
        {
            for (int i = 0; i < SmallCount; i++)
            {
                await store.PutAsync($"small/{i:D4}", new MemoryStream(small));
            }
        });
        double smallDown = await TimeAsync(SmallCount * (long)small.Length, async () =>
        {
            for (int i = 0; i < SmallCount; i++)
            {
                await DrainAsync(store, $"small/{i:D4}");
            }
        });
        return new Throughput(largeUp, largeDown, smallUp, smallDown);
    }

    private static async Task DrainAsync(IObjectStore store, string key)
    {
        await using var stream = await store.OpenReadAsync(key);
        await stream.CopyToAsync(Stream.Null);
    }

    /// <summary>Megabytes (10^6 bytes) per second.</summary>
    private static async Task<double> TimeAsync(long bytes, Func<Task> work)
    {
        var watch = Stopwatch.StartNew();
        await work();
        return bytes / 1e6 / watch.Elapsed.TotalSeconds;
    }

    private sealed record Throughput(double LargeUp, double LargeDown, double SmallUp, double SmallDown);
}
