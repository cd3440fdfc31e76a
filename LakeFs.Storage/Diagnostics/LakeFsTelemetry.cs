using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;

namespace LakeFs.Storage.Diagnostics;

/// <summary>
/// The one <see cref="ActivitySource"/> and <see cref="Meter"/> of the library, both named <c>LakeFs</c>: subscribe with
/// OpenTelemetry's <c>AddSource("LakeFs")</c> and <c>AddMeter("LakeFs")</c>. It lives in the lowest assembly so the
/// storage decorators and the repository share it (LakeFs.Core sees it through InternalsVisibleTo). With nothing
/// listening, <see cref="ActivitySource.StartActivity(string, ActivityKind)"/> returns null and every instrument's
/// <c>Enabled</c> is false: callers check those before they build a tag.
/// </summary>
internal static class LakeFsTelemetry
{
    public const string Name = "LakeFs";

    public const string RepositoryTag = "lakefs.repository.id";
    public const string BranchTag = "lakefs.branch";
    public const string RefTag = "lakefs.ref";
    public const string CommitTag = "lakefs.commit.id";
    public const string ChangesTag = "lakefs.changes";
    public const string RangesWrittenTag = "lakefs.ranges.written";
    public const string RangesReusedTag = "lakefs.ranges.reused";
    public const string CacheTag = "lakefs.cache";
    public const string OperationTag = "lakefs.storage.operation";

    private static readonly string? Version = typeof(LakeFsTelemetry).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;

    public static readonly ActivitySource Source = new(Name, Version);

    public static readonly Meter Meter = new(Name, Version);

    /// <summary>Objects written by put (one per put, whatever its size).</summary>
    public static readonly Counter<long> Puts = Meter.CreateCounter<long>("lakefs.objects.puts", "{object}", "Objects written by put.");

    /// <summary>Bytes of object content written by put.</summary>
    public static readonly Counter<long> BytesWritten = Meter.CreateCounter<long>("lakefs.objects.bytes_written", "By", "Bytes of object content written by put.");

    /// <summary>How long commits took, failed ones included (tagged with error.type).</summary>
    public static readonly Histogram<double> CommitDuration = Meter.CreateHistogram<double>("lakefs.commit.duration", "s", "Duration of commits.");

    /// <summary>How long merges took, failed ones included (tagged with error.type).</summary>
    public static readonly Histogram<double> MergeDuration = Meter.CreateHistogram<double>("lakefs.merge.duration", "s", "Duration of merges.");

    /// <summary>Lookups a cache answered, tagged with the cache (<see cref="CacheTag"/>: range, metarange, commit, file).</summary>
    public static readonly Counter<long> CacheHits = Meter.CreateCounter<long>("lakefs.cache.hits", "{lookup}", "Lookups a cache answered.");

    /// <summary>Lookups a cache missed, tagged like <see cref="CacheHits"/>.</summary>
    public static readonly Counter<long> CacheMisses = Meter.CreateCounter<long>("lakefs.cache.misses", "{lookup}", "Lookups a cache missed.");

    /// <summary>Storage calls tried again after a transient failure, tagged with the operation (<see cref="OperationTag"/>).</summary>
    public static readonly Counter<long> StorageRetries = Meter.CreateCounter<long>("lakefs.storage.retries", "{retry}", "Storage calls tried again after a transient failure.");

    /// <summary>Counts a cache lookup; costs one field read when no meter listener is enabled.</summary>
    public static void CacheLookup(bool hit, string cache)
    {
        var counter = hit ? CacheHits : CacheMisses;
        if (counter.Enabled)
        {
            counter.Add(1, new KeyValuePair<string, object?>(CacheTag, cache));
        }
    }

    /// <summary>Marks <paramref name="activity"/> failed with <paramref name="error"/>. Returns false, to be used as an exception filter that catches nothing.</summary>
    public static bool Fail(Activity? activity, Exception error)
    {
        if (activity is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, error.Message);
            activity.SetTag("error.type", error.GetType().FullName);
            activity.AddException(error);
        }
        return false;
    }

    /// <summary>Records <paramref name="seconds"/> in <paramref name="histogram"/>, with error.type when <paramref name="error"/> is set.</summary>
    public static void RecordDuration(Histogram<double> histogram, double seconds, string? repositoryId, Exception? error)
    {
        if (!histogram.Enabled)
        {
            return;
        }
        var repository = new KeyValuePair<string, object?>(RepositoryTag, repositoryId);
        if (error is null)
        {
            histogram.Record(seconds, repository);
        }
        else
        {
            histogram.Record(seconds, repository, new KeyValuePair<string, object?>("error.type", error.GetType().FullName));
        }
    }
}
