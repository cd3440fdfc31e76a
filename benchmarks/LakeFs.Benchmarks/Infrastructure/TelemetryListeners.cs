using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace LakeFs.Benchmarks.Infrastructure;

/// <summary>
/// <c>--telemetry</c>: listens to the library's <c>ActivitySource</c> and <c>Meter</c> (both named "LakeFs") the way an
/// OpenTelemetry exporter would, every span recorded and every measurement taken, so a run measures the cost of
/// tracing and metrics switched on (without the flag nothing listens and the instrumentation is skipped).
/// </summary>
public sealed class TelemetryListeners : IDisposable
{
    private readonly ActivityListener _activities;
    private readonly MeterListener _meters;
    private long _spans;
    private long _measurements;

    public TelemetryListeners()
    {
        _activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "LakeFs",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _ => Interlocked.Increment(ref _spans),
        };
        ActivitySource.AddActivityListener(_activities);
        _meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "LakeFs")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _meters.SetMeasurementEventCallback<long>((_, _, _, _) => Interlocked.Increment(ref _measurements));
        _meters.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref _measurements));
        _meters.SetMeasurementEventCallback<int>((_, _, _, _) => Interlocked.Increment(ref _measurements));
        _meters.Start();
    }

    /// <summary>Spans ended and measurements taken so far.</summary>
    public (long Spans, long Measurements) Counts => (Interlocked.Read(ref _spans), Interlocked.Read(ref _measurements));

    public void Dispose()
    {
        _activities.Dispose();
        _meters.Dispose();
    }
}
