using System.Diagnostics;
using LakeFs.Benchmarks.Infrastructure;
using LakeFs.Core;
using LakeFs.Core.Model;

namespace LakeFs.Benchmarks.Scenarios;

/// <summary>
/// Puts of 4 KiB objects with 1 and 4 writers, at both durability levels, each beside its raw file-system
/// baseline (temp file + rename, with fsync for power loss), measured back to back in the same run. The folders
/// are left for the suite's final cleanup: on ext4 without a journal (this project's machines) the inode allocator
/// skips every inode deleted in the last 60 s (5 min while its inode-table block is dirty), one lookup each, so
/// deleting 10,000 files right before a timed loop made each file created in that loop scan past them (perf: 50%
/// of a fresh-repository put loop in <c>find_inode_bit</c> → <c>recently_deleted</c>), and deleting them all
/// after the scenario slowed the next scenarios' range-file writes the same way. That cost belongs to the
/// harness's cleanup, not to what is measured.
/// </summary>
public sealed class PutScenario : IScenario
{
    private const int ObjectSize = 4096;

    public string Name => "put";

    public string Description => "put 4 KiB objects, 1 / 4 writers, ProcessCrash and PowerLoss, beside raw file writes";

    public async Task RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        await RunLevelAsync(context, Durability.ProcessCrash, context.Options.Scaled(10_000, 20), cancellationToken);
        await RunLevelAsync(context, Durability.PowerLoss, context.Options.Scaled(1_000, 10), cancellationToken);
    }

    private static async Task RunLevelAsync(ScenarioContext context, Durability durability, int count, CancellationToken cancellationToken)
    {
        var level = durability.ToString();
        var fsync = durability == Durability.PowerLoss;
        var payload = new byte[ObjectSize];
        Random.Shared.NextBytes(payload);
        var raw1 = new List<double>();
        var raw4 = new List<double>();
        var lake1 = new List<double>();
        var lake4 = new List<double>();
        var ratio = new List<double>();
        context.Log($"{level}: {count:N0} objects per run, {context.Options.Warmups} warm-up + {context.Options.Runs} runs");
        double peak;
        for (var run = -context.Options.Warmups; run < context.Options.Runs; run++)
        {
            if (run == 0)
            {
                GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            }
            var r1 = await RawAsync(context.NewFolder("raw"), count, 1, fsync, payload, cancellationToken);
            var l1 = await LakeAsync(context.NewFolder("put"), durability, count, 1, payload, cancellationToken);
            var r4 = await RawAsync(context.NewFolder("raw"), count, 4, fsync, payload, cancellationToken);
            var l4 = await LakeAsync(context.NewFolder("put"), durability, count, 4, payload, cancellationToken);
            if (run >= 0)
            {
                raw1.Add(count / r1);
                lake1.Add(count / l1);
                raw4.Add(count / r4);
                lake4.Add(count / l4);
                ratio.Add(l4 / r4);
            }
        }
        peak = WorkingSetSampler.ProcessPeakMiB();
        var processCrash = durability == Durability.ProcessCrash;
        context.Add($"{level}: 1 writer", "objects/s", lake1, processCrash ? Goal.Min(6_000) : null, note: $"{count:N0} × 4 KiB puts per run");
        context.Add($"{level}: raw files, 1 writer", "files/s", raw1, note: fsync ? "temp + fsync + rename" : "temp + rename, no fsync");
        context.Add($"{level}: 4 writers", "objects/s", lake4, processCrash ? Goal.Min(12_000) : null);
        context.Add($"{level}: raw files, 4 writers", "files/s", raw4, note: fsync ? "temp + fsync + rename" : "temp + rename, no fsync");
        context.Add($"{level}: 4 writers time / raw files time", "×", ratio, processCrash ? Goal.Max(1.5) : null, peak,
            note: "same run, back to back; peak WS is the process peak so far");
        context.Log($"{level}: 1 writer {Report.Format(Stats.Median(lake1))}/s, 4 writers {Report.Format(Stats.Median(lake4))}/s, raw 4 writers {Report.Format(Stats.Median(raw4))}/s");
    }

    /// <summary>Seconds to put <paramref name="count"/> objects into a fresh repository.</summary>
    private static async Task<double> LakeAsync(string folder, Durability durability, int count, int writers, byte[] payload, CancellationToken cancellationToken)
    {
        await using var repo = await Repository.CreateAsync(Repository.LocalOptions(folder) with { Durability = durability }, cancellationToken);
        PageCache.FlushDirty();
        var sw = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = writers, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            using var content = new MemoryStream(payload, writable: false);
            await repo.PutObjectAsync("main", Fixtures.PathOf(i), content, cancellationToken: ct);
        });
        var seconds = sw.Elapsed.TotalSeconds;
        await repo.DisposeAsync();
        return seconds;
    }

    /// <summary>Seconds to write <paramref name="count"/> files directly, the way the local store writes them.</summary>
    private static async Task<double> RawAsync(string folder, int count, int writers, bool fsync, byte[] payload, CancellationToken cancellationToken)
    {
        var data = Path.Combine(folder, "data");
        Directory.CreateDirectory(data);
        PageCache.FlushDirty();
        var sw = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = writers, CancellationToken = cancellationToken }, (_, _) =>
        {
            var final = Path.Combine(data, Guid.CreateVersion7().ToString("N"));
            var temp = final + ".tmp";
            using (var handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                RandomAccess.Write(handle, payload, 0);
                if (fsync)
                {
                    RandomAccess.FlushToDisk(handle);
                }
            }
            File.Move(temp, final);
            return ValueTask.CompletedTask;
        });
        return sw.Elapsed.TotalSeconds;
    }
}
