using System.Diagnostics;
using System.Globalization;
using LakeFs.Benchmarks.Infrastructure;
using LakeFs.Core;
using LakeFs.Core.Model;

namespace LakeFs.Benchmarks.Scenarios;

/// <summary>
/// <c>CollectGarbageAsync</c> of a local repository of 1,000,000 distinct data objects written by 100 commits, one a
/// day (each puts 10,000 new objects; commit 50 also deletes every path of commits 0 to 49), with 50 days of retention
/// read 101 days after the first: commit 50 is the first past the window, 51 commits expire (with the first) and half
/// the objects become garbage. First a dry run (everything but the deletes), then the run, then deleting as many files
/// of the same size straight away (<c>File.Delete</c>, as many at once as the run), then a second run with nothing new.
/// Goals: at least 100,000 objects a second through mark and sweep (all objects, over the run's time), with a peak
/// working set of at most 300 MB; the run at most 1.25 × the dry run plus the raw deletes (a disk that deletes slowly
/// bounds any collector); the second run in at most 5 % of the first run's time. Each is run once: a run changes what
/// the next finds.
/// </summary>
public sealed class GcScenario : IScenario
{
    private const int Commits = 100;

    public string Name => "gc";

    public string Description => "CollectGarbageAsync of 1,000,000 objects in 100 commits, half expired; then a run with nothing new";

    public async Task RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var size = context.Options.Scaled(1_000_000, 1_000) / Commits * Commits;
        var perCommit = size / Commits;
        var now = DateTimeOffset.UtcNow;
        // From now on: the store dates files by the real clock, which must not be ahead of the scenario's.
        var start = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        var clock = new ManualClock(start);
        await using var repo = await Repository.CreateAsync(Repository.LocalOptions(context.NewFolder("gc")) with { TimeProvider = clock }, cancellationToken);
        await repo.SetRetentionAsync(new RetentionRules(50), cancellationToken);
        var progress = context.Progress("gc fixture: objects put", size);
        long done = 0;
        for (var c = 0; c < Commits; c++)
        {
            clock.Now = start.AddDays(c);
            var set = c;
            if (c == Commits / 2)
            {
                // The first commit past the window drops every earlier object: what commits 0 to 49 wrote is garbage.
                await Parallel.ForEachAsync(Enumerable.Range(0, Commits / 2 * perCommit), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (i, token) =>
                    await repo.DeleteObjectAsync("main", $"set{i / perCommit:D2}/obj-{i % perCommit:D6}", token));
            }
            // Other bytes each commit: an overwrite with the same bytes is no change.
            var payload = new byte[64];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(payload, c);
            await Parallel.ForEachAsync(Enumerable.Range(0, perCommit), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (i, token) =>
            {
                await repo.PutObjectAsync("main", $"set{set:D2}/obj-{i:D6}", payload, cancellationToken: token);
                progress(Interlocked.Increment(ref done));
            });
            await repo.CommitAsync("main", $"day {c}", cancellationToken: cancellationToken);
        }
        clock.Now = start.AddDays(Commits + 1);
        context.Log($"{size:N0} objects in {Commits} commits written");
        // The files the baseline deletes: as many as the run deletes, as small, in as many folders.
        var raw = context.NewFolder("gc-raw");
        var rawCount = size / 2;
        // Named by number, not held in a list: the list of half a million paths would count in the run's peak.
        string RawFile(int i) => Path.Combine(raw, (i / perCommit).ToString("D10", CultureInfo.InvariantCulture), i.ToString("D32", CultureInfo.InvariantCulture));
        var zeros = new byte[64];
        for (var i = 0; i < rawCount; i++)
        {
            if (i % perCommit == 0)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(RawFile(i))!);
            }
            File.WriteAllBytes(RawFile(i), zeros);
        }

        PageCache.FlushDirty();
        // A dry run first: everything but the deletes (and the records they make), so it changes nothing.
        var (dry, drySeconds, dryPeak, dryPhases) = await CollectAsync(repo, new GcOptions { DryRun = true }, cancellationToken);
        context.Add($"gc of {size:N0} objects, dry run", "objects/s", [size / drySeconds], Goal.Min(100_000), dryPeak,
            $"{drySeconds:F2} s ({dryPhases}); would delete {dry.ObjectsDeleted:N0} objects");
        var (first, firstSeconds, firstPeak, firstPhases) = await CollectAsync(repo, null, cancellationToken);
        // Baseline: deleting the same number of files straight away, as many at once as the run deletes.
        var deleting = Stopwatch.StartNew();
        Parallel.For(0, rawCount, new ParallelOptions { MaxDegreeOfParallelism = new GcOptions().MaxParallelism, CancellationToken = cancellationToken }, i => File.Delete(RawFile(i)));
        var rawSeconds = deleting.Elapsed.TotalSeconds;
        if (first.ObjectsDeleted != size / 2 || first.CommitsExpired != Commits / 2 + 1)
        {
            throw new InvalidOperationException($"The first run deleted {first.ObjectsDeleted:N0} objects and expired {first.CommitsExpired} commits; expected {size / 2:N0} and {Commits / 2 + 1}.");
        }
        var note = $"{firstSeconds:F2} s ({firstPhases}); {first.CommitsExpired} commits expired, {first.ObjectsDeleted:N0} objects and {first.RangesDeleted:N0} ranges deleted, {first.RangesRead:N0} ranges read, {first.PartitionsSwept} partitions swept";
        context.Add($"gc of {size:N0} objects, first run", "objects/s", [size / firstSeconds], Goal.Min(100_000), firstPeak, note);
        context.Add($"gc of {size:N0} objects, first run, peak working set", "MiB", [firstPeak], Goal.Max(300));
        context.Add($"gc of {size:N0} objects, first run ÷ (dry run + deleting its files raw)", "×", [firstSeconds / (drySeconds + rawSeconds)], Goal.Max(1.25), null,
            $"raw deletes of {rawCount:N0} files: {rawSeconds:F2} s, {rawCount / rawSeconds:N0} files/s");

        var (second, secondSeconds, secondPeak, secondPhases) = await CollectAsync(repo, null, cancellationToken);
        context.Add("gc, second run with nothing new", "% of first", [100 * secondSeconds / firstSeconds], Goal.Max(5), secondPeak,
            $"{secondSeconds * 1000:F1} ms ({secondPhases}); {second.PartitionsSwept} partitions swept, {second.PartitionsSkipped} skipped, {second.ObjectsListed:N0} objects listed");
    }

    private static async Task<(GcReport Report, double Seconds, double PeakMiB, string Phases)> CollectAsync(Repository repo, GcOptions? options, CancellationToken cancellationToken)
    {
        using var sampler = WorkingSetSampler.StartClean();
        var sw = Stopwatch.StartNew();
        var phases = new PhaseClock(sw);
        var report = await repo.CollectGarbageAsync(options, phases, cancellationToken: cancellationToken);
        var seconds = sw.Elapsed.TotalSeconds;
        phases.Report(new GcProgress
        {
            Phase = GcPhase.Done,
            CommitsKept = 0,
            CommitsExpired = 0,
            RangesRead = 0,
            AddressesMarked = 0,
            ObjectsListed = 0,
            ObjectsDeleted = 0,
            BytesDeleted = 0,
        });
        return (report, seconds, sampler.PeakMiB, phases.ToString());
    }

    /// <summary>Seconds spent in each phase, from the progress reports (called synchronously by the run).</summary>
    private sealed class PhaseClock(Stopwatch clock) : IProgress<GcProgress>
    {
        private readonly List<(GcPhase Phase, double Seconds)> _phases = [];
        private GcPhase? _current;
        private double _since;

        public void Report(GcProgress value)
        {
            if (value.Phase == _current)
            {
                return;
            }
            var now = clock.Elapsed.TotalSeconds;
            if (_current is { } current)
            {
                _phases.Add((current, now - _since));
            }
            _current = value.Phase;
            _since = now;
        }

        public override string ToString() => string.Join(", ", _phases.Select(p => $"{p.Phase} {p.Seconds:F2} s"));
    }

    /// <summary>A clock the scenario sets: the history spans 100 days, written in a few minutes.</summary>
    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
