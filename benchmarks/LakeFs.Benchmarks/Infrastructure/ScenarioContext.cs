using System.Diagnostics;
using System.Globalization;

namespace LakeFs.Benchmarks.Infrastructure;

/// <summary>What a scenario gets: the options, a temp folder, shared fixtures, and the measuring helpers.</summary>
public sealed class ScenarioContext(BenchmarkOptions options, string tempRoot, Fixtures fixtures)
{
    private readonly List<Metric> _metrics = [];
    private int _folders;

    public BenchmarkOptions Options { get; } = options;

    public Fixtures Fixtures { get; } = fixtures;

    public IReadOnlyList<Metric> Metrics => _metrics;

    public string Scenario { get; set; } = "";

    /// <summary>A fresh, empty folder under the run's temp folder (deleted with it).</summary>
    public string NewFolder(string label)
    {
        var path = Path.Combine(tempRoot, $"{Interlocked.Increment(ref _folders):D4}-{label}");
        Directory.CreateDirectory(path);
        return path;
    }

    public void Log(string message) =>
        Options.Progress.WriteLine($"[{DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}] {Scenario}: {message}");

    public Metric Add(Metric metric)
    {
        _metrics.Add(metric);
        return metric;
    }

    public void Replace(Metric old, Metric replacement) => _metrics[_metrics.IndexOf(old)] = replacement;

    public Metric Add(string name, string unit, IReadOnlyList<double> samples, Goal? goal = null, double? peakMiB = null, string? note = null) =>
        Add(new Metric { Scenario = Scenario, Name = name, Unit = unit, Samples = samples, Goal = goal, PeakWorkingSetMiB = peakMiB, Note = note });

    /// <summary>
    /// Runs <paramref name="run"/> warm-up + measured times. Each call does its own setup and returns the measured
    /// value (it times only what it measures). The working set is sampled across the measured runs.
    /// </summary>
    public async Task<Metric> MeasureAsync(
        string name, string unit, Func<int, Task<double>> run, Goal? goal = null, int? runs = null, int? warmups = null, string? note = null)
    {
        var warm = warmups ?? Options.Warmups;
        var count = runs ?? Options.Runs;
        for (var i = 0; i < warm; i++)
        {
            PageCache.FlushDirty();
            await run(-1 - i);
        }
        var samples = new List<double>(count);
        double peak;
        TimeSpan cpu;
        using (var sampler = WorkingSetSampler.StartClean())
        {
            using var process = Process.GetCurrentProcess();
            var cpuBefore = process.TotalProcessorTime;
            for (var i = 0; i < count; i++)
            {
                PageCache.FlushDirty();
                samples.Add(await run(i));
            }
            process.Refresh();
            cpu = process.TotalProcessorTime - cpuBefore;
            peak = sampler.PeakMiB;
        }
        var metric = Add(new Metric
        {
            Scenario = Scenario, Name = name, Unit = unit, Samples = samples, Goal = goal, PeakWorkingSetMiB = peak, Note = note,
            CpuMsPerRun = cpu.TotalMilliseconds / count,
        });
        Log($"{name}: median {Report.Format(metric.Median)} {unit} (min {Report.Format(metric.Min)}, max {Report.Format(metric.Max)})");
        return metric;
    }

    /// <summary>Elapsed milliseconds of one call.</summary>
    public static async Task<double> TimeMsAsync(Func<Task> action)
    {
        var sw = Stopwatch.StartNew();
        await action();
        return sw.Elapsed.TotalMilliseconds;
    }

    /// <summary>Prints progress for long loops: at most every 2 s.</summary>
    public Action<long> Progress(string what, long total)
    {
        var sw = Stopwatch.StartNew();
        long last = 0;
        return done =>
        {
            var now = sw.ElapsedMilliseconds;
            var previous = Interlocked.Read(ref last);
            if (now - previous >= 2000 && Interlocked.CompareExchange(ref last, now, previous) == previous)
            {
                Log($"{what}: {done:N0}/{total:N0} ({100.0 * done / total:F0}%, {done / Math.Max(0.001, sw.Elapsed.TotalSeconds):N0}/s)");
            }
        };
    }
}
