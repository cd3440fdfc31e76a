using System.Diagnostics;
using System.Diagnostics.Metrics;
using LakeFs.Core.Model;
using LakeFs.Storage.Diagnostics;

namespace LakeFs.Core;

public sealed partial class Repository
{
    /// <summary>A span of the <c>LakeFs</c> source tagged with this repository and the branch, or null when nothing listens.</summary>
    private Activity? StartActivity(string name, string? branch)
    {
        var activity = LakeFsTelemetry.Source.StartActivity(name);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(LakeFsTelemetry.RepositoryTag, Id);
            if (branch is not null)
            {
                activity.SetTag(LakeFsTelemetry.BranchTag, branch);
            }
        }
        return activity;
    }

    private static void TagCommit(Activity? activity, Commit commit)
    {
        if (activity is not { IsAllDataRequested: true })
        {
            return;
        }
        activity.SetTag(LakeFsTelemetry.CommitTag, commit.Id);
        if (commit.Statistics is { } statistics)
        {
            activity.SetTag(LakeFsTelemetry.ChangesTag, statistics.Changes);
            activity.SetTag(LakeFsTelemetry.RangesWrittenTag, statistics.RangesWritten);
            activity.SetTag(LakeFsTelemetry.RangesReusedTag, statistics.RangesReused);
        }
    }

    /// <summary>An exception filter: marks the span failed and records the duration with the error. Returns false.</summary>
    private bool Failed(Activity? activity, Histogram<double> duration, long started, Exception error)
    {
        LakeFsTelemetry.Fail(activity, error);
        LakeFsTelemetry.RecordDuration(duration, _options.TimeProvider.GetElapsedTime(started).TotalSeconds, Id, error);
        return false;
    }
}
