using LakeFs.Core.Diagnostics;
using System.Buffers;
using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Refs;
using LakeFs.Core.Trees;
using LakeFs.Storage;
using Microsoft.Extensions.Logging;

namespace LakeFs.Core.Gc;

/// <summary>
/// One run of garbage collection (see <see cref="Repository.CollectGarbageAsync"/> for what it promises).
/// <para>
/// Order, chosen so that a run killed at any point leaves nothing a rerun cannot finish and never a reachable object
/// deleted: (1) walk from branch heads and tags to the commits retention keeps; (2) mark every other commit older
/// than the grace period expired (the store refuses to mark a commit a ref points at, and refuses refs to marked
/// commits, so no ref ever names an expired commit); (3) read the metaranges of kept commits: the ranges in use;
/// (4) list range and metarange files, and read each unused one older than the grace period to learn which hour
/// partitions its data objects are in, then record those partitions as dirty in the ref store before anything is
/// deleted; (5) find the hour partitions of <c>data/</c> (one listing call each) and pick those to sweep: every
/// partition not recorded clean, or dirty, or younger than the grace period; (6) when there are any, read each range
/// in use once and every staged and frozen entry, marking the addresses in those partitions, then re-read the
/// branches until their heads and staging areas stop changing (a commit that retired rows after they were read
/// holds them in its tree, which is then read too); (7) list each partition to sweep beside the sorted marks and
/// delete what nothing marked and is older than the grace period, recording the partition clean when nothing in it
/// was too young or staged; (8) re-read the branches once more and delete the unused range and metarange files,
/// each stat'd first and kept when it was written within the grace period.
/// </para>
/// </summary>
internal sealed class GarbageCollector(
    IRefStore refs, TreeStore trees, IObjectStore store, TimeProvider time, GcOptions options, IProgress<GcProgress>? progress, ILogger logger)
{
    private const int ExpireBatch = 1000;
    private const int DeleteBatch = 1000;
    private const int MaxCatchUpRounds = 1000;

    /// <summary>Kept commits, with the oldest window start their parents were followed under (MaxValue: not followed).</summary>
    private readonly Dictionary<string, DateTimeOffset> _kept = new(StringComparer.Ordinal);
    private readonly HashSet<string> _keptMetaRanges = new(StringComparer.Ordinal);
    private readonly HashSet<string> _metaRangesRead = new(StringComparer.Ordinal);
    private readonly HashSet<string> _keptRanges = new(StringComparer.Ordinal);
    private readonly HashSet<string> _rangesMarked = new(StringComparer.Ordinal);
    private readonly HashSet<string> _heads = new(StringComparer.Ordinal);
    private readonly HashSet<long> _tokensScanned = [];
    private readonly HashSet<ulong> _stagedHours = [];
    private readonly List<Task> _deleting = [];
    private readonly List<string> _clean = [];
    private HashSet<ulong>? _sweep;
    private MarkSet? _marks;
    private DateTimeOffset _now;
    private GcPhase _phase;
    private long _expired;
    private long _rangesRead;
    private long _listed;
    private long _deleted;
    private long _bytes;
    private long _young;

    public async Task<GcReport> RunAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        _now = time.GetUtcNow();
        using var marks = new MarkSet(options.MaxMarksInMemory, options.SpillFolder);
        _marks = marks;

        // (1) and (2): retention.
        _phase = GcPhase.Expiring;
        var rules = await refs.GetRetentionAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var branch in refs.ListBranchesAsync(cancellationToken).ConfigureAwait(false))
        {
            _heads.Add(branch.Head);
            var start = rules is null ? DateTimeOffset.MinValue : _now - TimeSpan.FromDays(rules.DaysFor(branch.Name));
            await KeepAsync(branch.Head, start, stopAtKept: false, cancellationToken).ConfigureAwait(false);
        }
        await foreach (var tag in refs.ListTagsAsync(cancellationToken).ConfigureAwait(false))
        {
            await KeepAsync(tag.CommitId, DateTimeOffset.MaxValue, stopAtKept: false, cancellationToken).ConfigureAwait(false);
        }
        Report();
        await ExpireAsync(cancellationToken).ConfigureAwait(false);

        // (3) and (4): trees in use, and the partitions the unused ones make dirty.
        await ReadKeptMetaRangesAsync(cancellationToken).ConfigureAwait(false);
        var unusedMetaRanges = await ListUnusedAsync(TreeStore.MetaRangePrefix, _keptMetaRanges, cancellationToken).ConfigureAwait(false);
        var unusedRanges = await ListUnusedAsync(TreeStore.RangePrefix, _keptRanges, cancellationToken).ConfigureAwait(false);
        var (dirty, everything) = await FindDirtyPartitionsAsync(unusedRanges, cancellationToken).ConfigureAwait(false);
        if (!options.DryRun && dirty.Count > 0)
        {
            await refs.UpdatePartitionsAsync([], [.. dirty.Select(DataAddress.PartitionName)], cancellationToken).ConfigureAwait(false);
        }

        // (5): partitions.
        var clean = new HashSet<string>(everything ? [] : await refs.GetCleanPartitionsAsync(cancellationToken).ConfigureAwait(false), StringComparer.Ordinal);
        var partitions = await FindPartitionsAsync(cancellationToken).ConfigureAwait(false);
        var sweep = partitions.Where(h => !clean.Contains(DataAddress.PartitionName(h)) || dirty.Contains(h) || !Closed(h)).ToList();
        _sweep = [.. sweep];

        // (6): mark.
        _phase = GcPhase.Marking;
        Report();
        if (sweep.Count > 0)
        {
            foreach (var range in _keptRanges.ToList())
            {
                await MarkRangeAsync(range, cancellationToken).ConfigureAwait(false);
            }
        }
        await CatchUpAsync(cancellationToken).ConfigureAwait(false);

        // (7): sweep data.
        _phase = GcPhase.SweepingObjects;
        Report();
        using (var sorted = marks.ReadSorted().GetEnumerator())
        {
            var cursor = new MarkCursor(sorted);
            try
            {
                foreach (var hour in sweep)
                {
                    await SweepPartitionAsync(hour, cursor, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                // Every delete finished (or failed) before anything more happens, also when the sweep fails.
                await DrainDeletesAsync().ConfigureAwait(false);
            }
        }
        // Recorded only once their deletes are done: a run stopped before sweeps them again.
        if (_clean.Count > 0)
        {
            await refs.UpdatePartitionsAsync(_clean, [], cancellationToken).ConfigureAwait(false);
        }

        // (8): sweep trees, after a last look at heads that moved meanwhile.
        _phase = GcPhase.SweepingTrees;
        Report();
        _sweep = [];
        await CatchUpAsync(cancellationToken).ConfigureAwait(false);
        await ReadKeptMetaRangesAsync(cancellationToken).ConfigureAwait(false);
        var metaRangesDeleted = await DeleteUnusedAsync(TreeStore.MetaRangePrefix, unusedMetaRanges, _keptMetaRanges, cancellationToken).ConfigureAwait(false);
        var rangesDeleted = await DeleteUnusedAsync(TreeStore.RangePrefix, unusedRanges, _keptRanges, cancellationToken).ConfigureAwait(false);

        _phase = GcPhase.Done;
        Report();
        var report = new GcReport
        {
            DryRun = options.DryRun,
            CommitsKept = _kept.Count,
            CommitsExpired = _expired,
            RangesRead = _rangesRead,
            AddressesMarked = marks.Added,
            PartitionsSwept = sweep.Count,
            PartitionsSkipped = partitions.Count - sweep.Count,
            ObjectsListed = _listed,
            ObjectsDeleted = _deleted,
            BytesDeleted = _bytes,
            ObjectsWithinGracePeriod = _young,
            RangesDeleted = rangesDeleted,
            MetaRangesDeleted = metaRangesDeleted,
            Duration = time.GetElapsedTime(started),
        };
        logger.GcFinished(
            options.DryRun ? " (dry run)" : "", report.CommitsExpired, report.CommitsKept, report.PartitionsSwept, report.PartitionsSkipped,
            report.ObjectsDeleted, report.BytesDeleted, report.RangesDeleted, report.MetaRangesDeleted, report.Duration);
        return report;
    }

    // ------------------------------------------------------------------ retention

    /// <summary>
    /// Keeps <paramref name="id"/> and, while a commit was made at or after <paramref name="windowStart"/>, its parents:
    /// so on every first-parent line the first commit past the window is kept too. With <paramref name="stopAtKept"/>
    /// (commits made during the run) every parent is followed until a kept one. Expired commits are not kept.
    /// </summary>
    private async Task KeepAsync(string id, DateTimeOffset windowStart, bool stopAtKept, CancellationToken cancellationToken)
    {
        var pending = new Stack<string>();
        pending.Push(id);
        while (pending.TryPop(out var next))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_kept.TryGetValue(next, out var followed) && (stopAtKept || followed <= windowStart))
            {
                continue;
            }
            if (!_kept.ContainsKey(next) && await refs.IsCommitExpiredAsync(next, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }
            var commit = await refs.GetCommitAsync(next, cancellationToken).ConfigureAwait(false)
                ?? throw new CorruptDataException($"Commit {next} is referenced but missing from {refs.Description}; garbage collection stops without deleting anything. Restore the ref store from a backup.");
            var follow = stopAtKept || commit.CreationDate >= windowStart;
            _kept[next] = follow ? (stopAtKept ? DateTimeOffset.MinValue : windowStart) : DateTimeOffset.MaxValue;
            _keptMetaRanges.Add(commit.MetaRangeId);
            if (follow)
            {
                foreach (var parent in commit.Parents)
                {
                    pending.Push(parent);
                }
            }
        }
    }

    private async Task ExpireAsync(CancellationToken cancellationToken)
    {
        var batch = new List<string>(ExpireBatch);
        await foreach (var id in refs.ListCommitIdsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (_kept.ContainsKey(id))
            {
                continue;
            }
            var commit = await refs.GetCommitAsync(id, cancellationToken).ConfigureAwait(false);
            if (commit is null)
            {
                continue;
            }
            // A commit made during the run may not show in the heads read at its start: too young to expire, so kept,
            // tree and all, like one a branch reaches.
            if (commit.CreationDate > _now - options.GracePeriod)
            {
                KeepUnreached(commit);
                continue;
            }
            batch.Add(id);
            if (batch.Count == ExpireBatch)
            {
                await ExpireBatchAsync(batch, cancellationToken).ConfigureAwait(false);
            }
        }
        await ExpireBatchAsync(batch, cancellationToken).ConfigureAwait(false);
    }

    private async Task ExpireBatchAsync(List<string> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }
        if (options.DryRun)
        {
            _expired += batch.Count;
        }
        else
        {
            var marked = (await refs.MarkCommitsExpiredAsync(batch, _now, cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
            _expired += marked.Count;
            // Skipped by the store: a branch or tag was pointed at it meanwhile, so it stays, tree and all.
            foreach (var id in batch.Where(id => !marked.Contains(id)))
            {
                if (await refs.GetCommitAsync(id, cancellationToken).ConfigureAwait(false) is { } commit)
                {
                    KeepUnreached(commit);
                }
            }
        }
        batch.Clear();
        Report();
    }

    private void KeepUnreached(Commit commit)
    {
        _kept.TryAdd(commit.Id, DateTimeOffset.MaxValue);
        _keptMetaRanges.Add(commit.MetaRangeId);
    }

    /// <summary>
    /// Re-reads branches and tags until nothing new shows: heads that moved since (the commits made meanwhile are kept
    /// and their trees marked) and staging areas not scanned yet (their entries marked).
    /// </summary>
    private async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        for (var round = 0; ; round++)
        {
            if (round == MaxCatchUpRounds)
            {
                throw new ConflictException($"Garbage collection could not catch up with branches that kept moving ({MaxCatchUpRounds} rounds); nothing was deleted in the partitions left. Run it again when writes are calmer.");
            }
            var changed = false;
            var branches = new List<BranchRecord>();
            await foreach (var branch in refs.ListBranchesAsync(cancellationToken).ConfigureAwait(false))
            {
                branches.Add(branch);
            }
            foreach (var branch in branches)
            {
                if (_heads.Add(branch.Head))
                {
                    changed = true;
                    await KeepAsync(branch.Head, DateTimeOffset.MinValue, stopAtKept: true, cancellationToken).ConfigureAwait(false);
                }
                foreach (var token in branch.Tokens)
                {
                    if (_tokensScanned.Add(token))
                    {
                        changed = true;
                        await MarkStagedAsync(token, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            await foreach (var tag in refs.ListTagsAsync(cancellationToken).ConfigureAwait(false))
            {
                if (!_kept.ContainsKey(tag.CommitId))
                {
                    changed = true;
                    await KeepAsync(tag.CommitId, DateTimeOffset.MaxValue, stopAtKept: false, cancellationToken).ConfigureAwait(false);
                }
            }
            await ReadKeptMetaRangesAsync(cancellationToken).ConfigureAwait(false);
            if (_sweep is { Count: > 0 })
            {
                foreach (var range in _keptRanges.Where(r => !_rangesMarked.Contains(r)).ToList())
                {
                    await MarkRangeAsync(range, cancellationToken).ConfigureAwait(false);
                }
            }
            if (!changed)
            {
                return;
            }
        }
    }

    // ------------------------------------------------------------------ trees

    private async Task ReadKeptMetaRangesAsync(CancellationToken cancellationToken)
    {
        foreach (var id in _keptMetaRanges.Where(m => !_metaRangesRead.Contains(m)).ToList())
        {
            var metaRange = await trees.GetMetaRangeAsync(id, cancellationToken).ConfigureAwait(false);
            foreach (var range in metaRange.Ranges)
            {
                _keptRanges.Add(range.Id);
            }
            _metaRangesRead.Add(id);
        }
    }

    /// <summary>Tree files under <paramref name="prefix"/> that no kept commit uses, with their size.</summary>
    private async Task<List<string>> ListUnusedAsync(string prefix, HashSet<string> used, CancellationToken cancellationToken)
    {
        var unused = new List<string>();
        await foreach (var file in store.ListWhereAsync(prefix, key => !used.Contains(key[prefix.Length..]), null, cancellationToken).ConfigureAwait(false))
        {
            if (Old(file.LastModified))
            {
                unused.Add(file.Key[prefix.Length..]);
            }
        }
        return unused;
    }

    /// <summary>
    /// The hour partitions holding data objects the unused ranges name: once those ranges go, nothing may refer to
    /// those objects any more. <c>everything</c> when a range cannot be read: then every partition is swept.
    /// </summary>
    private async Task<(HashSet<ulong> Dirty, bool Everything)> FindDirtyPartitionsAsync(List<string> unusedRanges, CancellationToken cancellationToken)
    {
        var dirty = new HashSet<ulong>();
        var scratch = trees.RentScratch();
        try
        {
            foreach (var id in unusedRanges)
            {
                try
                {
                    var reader = await trees.GetRangeForPassAsync(id, scratch, cancellationToken).ConfigureAwait(false);
                    _rangesRead++;
                    var cursor = reader.CreateCursor();
                    while (cursor.MoveNext())
                    {
                        if (EntryCodec.TryReadGeneratedAddress(cursor.Value.Span, out var hour, out _))
                        {
                            dirty.Add(hour);
                        }
                    }
                }
                catch (CorruptDataException e)
                {
                    logger.GcUnreadableRange(e, id);
                    return (dirty, true);
                }
            }
        }
        finally
        {
            trees.Return(scratch);
        }
        return (dirty, false);
    }

    private async Task MarkRangeAsync(string id, CancellationToken cancellationToken)
    {
        if (!_rangesMarked.Add(id))
        {
            return;
        }
        var scratch = trees.RentScratch();
        try
        {
            var reader = await trees.GetRangeForPassAsync(id, scratch, cancellationToken).ConfigureAwait(false);
            _rangesRead++;
            var cursor = reader.CreateCursor();
            while (cursor.MoveNext())
            {
                if (EntryCodec.TryReadGeneratedAddress(cursor.Value.Span, out var hour, out var address) && _sweep!.Contains(hour))
                {
                    _marks!.Add(hour, address);
                }
            }
        }
        finally
        {
            trees.Return(scratch);
        }
        if (_rangesRead % 64 == 0)
        {
            Report();
        }
    }

    private async Task MarkStagedAsync(long token, CancellationToken cancellationToken)
    {
        await foreach (var row in refs.ScanStagedAsync(token, [], cancellationToken).ConfigureAwait(false))
        {
            if (row.Entry is not null && EntryCodec.TryReadGeneratedAddress(row.Entry, out var hour, out var address))
            {
                _stagedHours.Add(hour);
                if (_sweep?.Contains(hour) != false)
                {
                    _marks!.Add(hour, address);
                }
            }
        }
    }

    private async Task<int> DeleteUnusedAsync(string prefix, List<string> candidates, HashSet<string> used, CancellationToken cancellationToken)
    {
        var deleted = 0;
        foreach (var id in candidates)
        {
            if (used.Contains(id))
            {
                continue;
            }
            // Stat'd again just before: one written again meanwhile (a leftover replaced) is young again.
            var stat = await store.StatAsync(prefix + id, cancellationToken).ConfigureAwait(false);
            if (stat is null || !Old(stat.LastModified))
            {
                continue;
            }
            if (!options.DryRun)
            {
                await store.DeleteAsync(prefix + id, cancellationToken).ConfigureAwait(false);
            }
            deleted++;
        }
        return deleted;
    }

    // ------------------------------------------------------------------ data

    /// <summary>The hour partitions under <c>data/</c>, from one folder listing.</summary>
    private async Task<List<ulong>> FindPartitionsAsync(CancellationToken cancellationToken)
    {
        var partitions = new List<ulong>();
        await foreach (var folder in store.ListFoldersAsync(DataAddress.Prefix, cancellationToken).ConfigureAwait(false))
        {
            var name = folder.AsSpan(DataAddress.Prefix.Length, folder.Length - DataAddress.Prefix.Length - 1);
            if (name.Length == 10 && ulong.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var hour)
                && DataAddress.HourStart(hour) is not null)
            {
                partitions.Add(hour);
            }
        }
        return partitions;
    }

    private bool Closed(ulong hour) => DataAddress.HourStart(hour) is { } start && Old(start.AddHours(1));

    private bool Old(DateTimeOffset written) => written + options.GracePeriod <= _now;

    private async Task SweepPartitionAsync(ulong hour, MarkCursor marks, CancellationToken cancellationToken)
    {
        var closed = Closed(hour);
        var young = false;
        var doomed = new List<ObjectStat>(DeleteBatch);
        // Keys come in order, so the marks are walked once; only the unmarked files' size and time are read.
        bool Unmarked(string key)
        {
            _listed++;
            return DataAddress.TryParse(key, out var fileHour, out var id) && fileHour == hour && !marks.Contains(new Mark(hour, id));
        }
        await foreach (var file in store.ListWhereAsync(DataAddress.PartitionPrefix(hour), Unmarked, null, cancellationToken).ConfigureAwait(false))
        {
            if (!closed || !Old(file.LastModified))
            {
                young = true;
                _young++;
                continue;
            }
            doomed.Add(file);
            if (doomed.Count == DeleteBatch)
            {
                await DeleteAsync(doomed, cancellationToken).ConfigureAwait(false);
            }
        }
        await DeleteAsync(doomed, cancellationToken).ConfigureAwait(false);
        if (!options.DryRun && closed && !young && !_stagedHours.Contains(hour))
        {
            _clean.Add(DataAddress.PartitionName(hour));
        }
        Report();
    }

    /// <summary>
    /// Hands <paramref name="files"/> to the store as one batch delete running while the sweep goes on, at most
    /// <see cref="GcOptions.MaxParallelism"/> batches at a time; the list is cleared for the next batch.
    /// </summary>
    private async Task DeleteAsync(List<ObjectStat> files, CancellationToken cancellationToken)
    {
        if (files.Count == 0)
        {
            return;
        }
        var batch = files.ToArray();
        files.Clear();
        if (options.DryRun)
        {
            _deleted += batch.Length;
            _bytes += batch.Sum(f => f.Size);
            Report();
            return;
        }
        while (_deleting.Count >= options.MaxParallelism)
        {
            var done = await Task.WhenAny(_deleting).ConfigureAwait(false);
            _deleting.Remove(done);
            await done.ConfigureAwait(false);
        }
        // On the thread pool: a store whose delete runs synchronously (the local one unlinks file by file) would
        // otherwise hold up the listing and the other batches; this way listing and deletes overlap.
        _deleting.Add(Task.Run(() => DeleteBatchAsync(batch, cancellationToken), CancellationToken.None));
    }

    private async Task DeleteBatchAsync(ObjectStat[] batch, CancellationToken cancellationToken)
    {
        await store.DeleteManyAsync([.. batch.Select(f => f.Key)], cancellationToken).ConfigureAwait(false);
        // Counted whether or not the store still had them: a retried delete whose first answer was lost finds them gone.
        Interlocked.Add(ref _deleted, batch.Length);
        Interlocked.Add(ref _bytes, batch.Sum(f => f.Size));
    }

    /// <summary>Waits for every batch delete in flight; the first failure is thrown once all have ended.</summary>
    private async Task DrainDeletesAsync()
    {
        var all = Task.WhenAll(_deleting);
        _deleting.Clear();
        await all.ConfigureAwait(false);
    }

    private void Report() =>
        progress?.Report(new GcProgress
        {
            Phase = _phase,
            CommitsKept = _kept.Count,
            CommitsExpired = _expired,
            RangesRead = _rangesRead,
            AddressesMarked = _marks?.Added ?? 0,
            ObjectsListed = _listed,
            ObjectsDeleted = Interlocked.Read(ref _deleted),
            BytesDeleted = Interlocked.Read(ref _bytes),
        });

    /// <summary>Walks the sorted marks forward beside a listing in the same order.</summary>
    private sealed class MarkCursor(IEnumerator<Mark> marks)
    {
        private bool _started;
        private bool _more;

        public bool Contains(Mark mark)
        {
            if (!_started)
            {
                _started = true;
                _more = marks.MoveNext();
            }
            while (_more && marks.Current.CompareTo(mark) < 0)
            {
                _more = marks.MoveNext();
            }
            return _more && marks.Current == mark;
        }
    }
}
