using System.Diagnostics;

namespace LakeFs.Benchmarks.Infrastructure;

/// <summary>
/// Samples the process working set every few milliseconds while alive; <see cref="PeakMiB"/> is the highest
/// sample (including the process's baseline: the runtime, the harness and anything the fixture holds).
/// Process.PeakWorkingSet64 cannot be reset between scenarios, hence the sampling.
/// </summary>
public sealed class WorkingSetSampler : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private long _peak;

    public WorkingSetSampler(int intervalMs = 10)
    {
        _peak = Environment.WorkingSet;
        _thread = new Thread(() =>
        {
            while (!_stop.Token.WaitHandle.WaitOne(intervalMs))
            {
                Sample();
            }
        })
        { IsBackground = true, Name = "working-set sampler", Priority = ThreadPriority.AboveNormal };
        _thread.Start();
    }

    public double PeakMiB
    {
        get
        {
            Sample();
            return Interlocked.Read(ref _peak) / (1024.0 * 1024.0);
        }
    }

    /// <summary>Collects garbage so the next region starts from the live heap, then starts a fresh sampler.</summary>
    public static WorkingSetSampler StartClean()
    {
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return new WorkingSetSampler();
    }

    public static double ProcessPeakMiB()
    {
        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64 / (1024.0 * 1024.0);
    }

    private void Sample()
    {
        var current = Environment.WorkingSet;
        long seen;
        while (current > (seen = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, current, seen) != seen)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _stop.Dispose();
    }
}
