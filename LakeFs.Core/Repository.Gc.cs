using LakeFs.Core.Diagnostics;
using LakeFs.Core.Errors;
using LakeFs.Core.Gc;
using LakeFs.Core.Model;
using LakeFs.Core.Refs;
using LakeFs.Storage.Diagnostics;
using Microsoft.Extensions.Logging;

namespace LakeFs.Core;

public sealed partial class Repository
{
    /// <summary>
    /// Sets how long garbage collection keeps commits (see <see cref="RetentionRules"/>), replacing the rules as a whole;
    /// null removes them, and collection then expires only commits no branch or tag reaches. The rules live in the ref
    /// store, for every instance and process sharing it. Setting them deletes nothing by itself.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A number of days is negative.</exception>
    /// <exception cref="InvalidNameException">An override names no valid branch name.</exception>
    public async Task SetRetentionAsync(RetentionRules? rules, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        if (rules is not null)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(rules.DefaultDays, nameof(rules));
            ArgumentNullException.ThrowIfNull(rules.BranchDays, nameof(rules));
            foreach (var (branch, days) in rules.BranchDays)
            {
                Names.ValidateRefName(branch, "branch");
                if (days < 0)
                {
                    throw new ArgumentOutOfRangeException(nameof(rules), days, $"The retention of branch '{branch}' is negative; give 0 days or more.");
                }
            }
            rules = rules with { BranchDays = new SortedDictionary<string, int>(rules.BranchDays.ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal) };
        }
        await _refs.SetRetentionAsync(rules, cancellationToken).ConfigureAwait(false);
        _logger.RetentionSet(rules is null ? "none" : $"{rules.DefaultDays} days by default, {rules.BranchDays.Count} override(s)");
    }

    /// <summary>The retention rules, or null when none are set.</summary>
    public async Task<RetentionRules?> GetRetentionAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        return await _refs.GetRetentionAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Collects garbage in-process, safe while the repository is in use: marks the commits retention no longer keeps
    /// expired (see <see cref="SetRetentionAsync"/>; tags keep their commits, and without rules only commits no branch
    /// or tag reaches expire), then deletes the data objects that no kept commit and no staged or frozen entry uses —
    /// including objects overwritten, deleted or reset before any commit and the entries of deleted branches — and the
    /// range and metarange files no kept commit uses. Nothing younger than <see cref="GcOptions.GracePeriod"/> is deleted
    /// or expired. Only generated data addresses under <c>data/</c> and files under <c>_lakefs/ranges/</c> and
    /// <c>_lakefs/metaranges/</c> are ever deleted: imported or linked objects elsewhere, refs dumps, the repository
    /// marker and anything else in the store are never touched.
    /// </summary>
    /// <remarks>
    /// Incremental: each run records in the ref store the hour partitions of <c>data/</c> it swept clean (closed,
    /// nothing too young, nothing staged in them). The next run lists only partitions not recorded clean, younger than
    /// the grace period, or holding objects that ranges about to be deleted name (recorded dirty before anything is
    /// deleted, so a run killed at any point is finished by the next). Memory stays bounded (see
    /// <see cref="GcOptions.MaxMarksInMemory"/>); every range in use is read once when any partition is swept.
    /// Puts, commits, merges and other runs may go on meanwhile: writes within the grace period are left alone, and a
    /// commit that retires staged rows after they were read is found by re-reading the branches until they stop moving.
    /// Known limits: an object linked (<see cref="LinkObjectAsync"/>) more than the grace period after its address was
    /// made may be deleted if the run sweeps its partition first; and a commit that produces, byte for byte, a range
    /// or metarange file that no kept commit uses and that is older than the grace period (content equal to an expired
    /// tree, say) finds the file there and does not write it, so a run deleting it before that commit lands leaves the
    /// commit's tree incomplete (<c>VerifyAsync</c> reports it).
    /// </remarks>
    /// <param name="options">Dry run, grace period, parallelism, memory (default: a real run with a 24-hour grace period).</param>
    /// <param name="progress">Receives counts as the run goes.</param>
    /// <param name="cancellationToken">Stops the run; what was deleted stays deleted, and the next run goes on from there.</param>
    /// <exception cref="CorruptDataException">A kept commit is missing from the ref store, or the tree of one cannot be read; nothing was deleted.</exception>
    /// <exception cref="ConflictException">Branches kept moving faster than the run could follow; run it again.</exception>
    public async Task<GcReport> CollectGarbageAsync(GcOptions? options = null, IProgress<GcProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        options ??= new GcOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.GracePeriod, TimeSpan.Zero, nameof(options.GracePeriod));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxParallelism, 1, nameof(options.MaxParallelism));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxMarksInMemory, 1, nameof(options.MaxMarksInMemory));
        using var activity = StartActivity("lakefs.gc", null);
        activity?.SetTag("lakefs.gc.dry_run", options.DryRun);
        var collector = new GarbageCollector(_refs, _trees, ObjectStore, _options.TimeProvider, options, progress, _options.CreateLogger(typeof(GarbageCollector)));
        try
        {
            var report = await collector.RunAsync(cancellationToken).ConfigureAwait(false);
            if (activity is not null)
            {
                activity.SetTag("lakefs.gc.commits_expired", report.CommitsExpired);
                activity.SetTag("lakefs.gc.ranges_read", report.RangesRead);
                activity.SetTag("lakefs.gc.objects_deleted", report.ObjectsDeleted);
                activity.SetTag("lakefs.gc.bytes_deleted", report.BytesDeleted);
            }
            return report;
        }
        catch (Exception e) when (LakeFsTelemetry.Fail(activity, e))
        {
            throw;
        }
    }

    /// <summary>Throws <see cref="CommitExpiredException"/> when garbage collection expired the commit.</summary>
    private async ValueTask ThrowIfExpiredAsync(string @ref, string commitId, CancellationToken cancellationToken)
    {
        if (await _refs.IsCommitExpiredAsync(commitId, cancellationToken).ConfigureAwait(false))
        {
            throw new CommitExpiredException(
                $"'{@ref}' names commit {commitId[..Math.Min(12, commitId.Length)]}, which has expired: garbage collection removed its content. Read a later commit; tags and retention rules keep commits from expiring.",
                commitId);
        }
    }
}
