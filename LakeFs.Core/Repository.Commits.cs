using LakeFs.Core.Diagnostics;
using System.Runtime.CompilerServices;
using LakeFs.Core.Errors;
using LakeFs.Core.Hooks;
using LakeFs.Core.Trees;
using LakeFs.Core.Model;
using LakeFs.Core.Refs;
using LakeFs.Storage.Diagnostics;
using Microsoft.Extensions.Logging;

namespace LakeFs.Core;

public sealed partial class Repository
{
    /// <summary>
    /// Commits a branch's uncommitted changes. Writers keep writing while the commit runs (their writes land in
    /// the next commit); the head moves by compare-and-swap, so concurrent commits on one branch serialize.
    /// The returned commit carries <see cref="Commit.Statistics"/>: the cost follows the changes.
    /// <para>
    /// With <see cref="CommitOptions.Paths"/> or <see cref="CommitOptions.Prefixes"/> only the changes staged there
    /// before the call are committed; every other staged change stays staged (and writes made during the commit stay
    /// staged wherever they are), and hooks see only the committed changes.
    /// </para>
    /// </summary>
    /// <exception cref="NoChangesException">Nothing changed and <see cref="CommitOptions.AllowEmpty"/> is off.</exception>
    /// <exception cref="BranchNotFoundException">No such branch.</exception>
    /// <exception cref="InvalidMetadataException">The message, committer or metadata breaks the rules of <see cref="MetadataLimits"/>.</exception>
    /// <exception cref="InvalidPathException">A path or prefix of a partial commit is not valid, is named twice, or none is named.</exception>
    public async Task<Commit> CommitAsync(string branch, string message, CommitOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var activity = StartActivity("lakefs.commit", branch);
        var started = _options.TimeProvider.GetTimestamp();
        try
        {
            var commit = await CommitCoreAsync(branch, message, options, cancellationToken).ConfigureAwait(false);
            TagCommit(activity, commit);
            LakeFsTelemetry.RecordDuration(LakeFsTelemetry.CommitDuration, _options.TimeProvider.GetElapsedTime(started).TotalSeconds, Id, null);
            return commit;
        }
        catch (Exception e) when (Failed(activity, LakeFsTelemetry.CommitDuration, started, e))
        {
            throw;
        }
    }

    private async Task<Commit> CommitCoreAsync(string branch, string message, CommitOptions? options, CancellationToken cancellationToken)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateRefName(branch, "branch");
        ArgumentException.ThrowIfNullOrWhiteSpace(message);
        options ??= new CommitOptions();
        var committer = options.Committer ?? _options.Committer;
        ArgumentException.ThrowIfNullOrEmpty(committer, nameof(options));
        var metadata = MetadataLimits.ValidateCommit(message, committer, options.Metadata);
        var selection = SelectionOf(options);

        var (created, postHookFailures) = await UpdateBranchAsync(branch, freezeStaging: true, HookEvent.PreCommit, "commit on", null, committer, async (state, token) =>
        {
            var baseTree = await _trees.GetMetaRangeAsync(state.Head.MetaRangeId, token).ConfigureAwait(false);
            MetaRange tree;
            CommitStatistics statistics;
            var changes = new OverlayCursor([.. state.Frozen.Select(t => (EntryCursor)new StagingCursor(
                selection is null ? _refs.ScanStagedAsync(t, [], token) : ScanSelectedAsync(t, selection, token), token))]);
            // A partial commit drops its rows from the frozen areas at the compare-and-swap; the rest stay frozen, read as staged.
            long[] retire = selection is null ? state.Frozen : [];
            var trim = selection is null ? null : new StagedSelection(state.Frozen, selection);
            await using (changes.ConfigureAwait(false))
            {
                (tree, statistics) = await new TreeBuilder(_trees).BuildAsync(baseTree, changes, token).ConfigureAwait(false);
            }
            if (statistics.Changes == 0 && !options.AllowEmpty)
            {
                // Whatever was staged matches the head: retire it, then say so.
                return new BranchCandidate<Commit?>(state.Head.Id, null, retire, null) { Trim = trim };
            }
            var commit = NewCommit([state.Head], tree, message, committer, metadata, statistics);
            return new BranchCandidate<Commit?>(commit.Id, commit, retire, commit) { Trim = trim };
        }, cancellationToken).ConfigureAwait(false);
        var commit = created ?? throw new NoChangesException(selection is null
            ? $"Branch '{branch}' has no changes to commit."
            : $"Branch '{branch}' has no changes to commit at the paths and prefixes given.");
        var applied = commit.Statistics!;
        _logger.Committed(
            commit.Id, branch, applied.Changes, applied.RangesWritten, applied.RangesReused);
        return postHookFailures.Count == 0 ? commit : commit with { PostHookFailures = postHookFailures };
    }

    /// <summary>
    /// The key ranges a partial commit takes (<see cref="CommitOptions.Paths"/>, <see cref="CommitOptions.Prefixes"/>),
    /// disjoint and ascending; null for a whole commit.
    /// </summary>
    private static KeyRange[]? SelectionOf(CommitOptions options)
    {
        if (options.Paths is null && options.Prefixes is null)
        {
            return null;
        }
        var ranges = new List<KeyRange>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in options.Paths ?? [])
        {
            var key = Names.ValidatePath(path);
            if (!seen.Add(path))
            {
                throw new InvalidPathException($"CommitOptions.Paths names '{Names.Show(path)}' twice; name each path once.");
            }
            ranges.Add(KeyRange.Single(key));
        }
        seen.Clear();
        foreach (var prefix in options.Prefixes ?? [])
        {
            if (string.IsNullOrEmpty(prefix))
            {
                throw new InvalidPathException("CommitOptions.Prefixes holds an empty prefix; to commit everything leave Paths and Prefixes null.");
            }
            var key = Names.ValidatePrefix(prefix, "commit prefix");
            if (!seen.Add(prefix))
            {
                throw new InvalidPathException($"CommitOptions.Prefixes names '{Names.Show(prefix)}' twice; name each prefix once.");
            }
            ranges.Add(KeyRange.Prefix(key));
        }
        return ranges.Count > 0
            ? KeyRange.Normalize(ranges)
            : throw new InvalidPathException("CommitOptions.Paths and Prefixes name nothing: name a path or prefix, or leave both null to commit everything.");
    }

    /// <summary>The rows of one staging area at keys in <paramref name="ranges"/> (disjoint, ascending), in key order.</summary>
    private async IAsyncEnumerable<StagedRow> ScanSelectedAsync(long token, KeyRange[] ranges, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var range in ranges)
        {
            await foreach (var row in _refs.ScanStagedAsync(token, range.From, cancellationToken).ConfigureAwait(false))
            {
                if (!range.Contains(row.Path))
                {
                    break;
                }
                yield return row;
            }
        }
    }

    /// <summary>The commit a ref expression resolves to (branch, tag, commit id or unique prefix, with ~N, ^N, @).</summary>
    /// <exception cref="RefNotFoundException">The expression names nothing.</exception>
    public async Task<Commit> GetCommitAsync(string @ref, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        return await ResolveCommitAsync(@ref, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// History from <paramref name="ref"/>, newest first (by time, then generation). With
    /// <see cref="LogOptions.FirstParent"/> only the first-parent line; with paths or prefixes only commits that
    /// changed them compared with their first parent. Commits garbage collection expired are passed over, not a stop:
    /// the walk goes on through them, so a tagged commit behind them still shows. A commit whose first parent expired
    /// counts as changing every path.
    /// </summary>
    /// <exception cref="CommitExpiredException"><paramref name="ref"/> itself names an expired commit.</exception>
    public async IAsyncEnumerable<Commit> LogAsync(string @ref, LogOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        options ??= new LogOptions();
        if (options.Limit is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "A log limit cannot be negative.");
        }
        var paths = options.Paths?.Select(Names.ValidatePath).ToArray();
        var prefixes = options.Prefixes?.Select(p => Names.ValidatePrefix(p)).ToArray();
        var filtered = paths is { Length: > 0 } || prefixes is { Length: > 0 };

        var start = (await ResolveAsync(@ref, cancellationToken).ConfigureAwait(false)).CommitId;
        if (options.Limit == 0)
        {
            yield break;
        }
        var returned = 0;
        await foreach (var commit in _refs.WalkHistoryAsync(start, options.FirstParent, cancellationToken).ConfigureAwait(false))
        {
            if (await _refs.IsCommitExpiredAsync(commit.Id, cancellationToken).ConfigureAwait(false))
            {
                // Passed over, not a stop: its row and parents stay, so a tagged commit behind it still shows.
                continue;
            }
            if (filtered && !await ChangedAsync(commit, paths ?? [], prefixes ?? [], cancellationToken).ConfigureAwait(false))
            {
                continue;
            }
            yield return commit;
            if (++returned == options.Limit)
            {
                yield break;
            }
        }
    }

    /// <summary>Whether <paramref name="commit"/> changed any of the paths or anything under the prefixes, against its first parent.</summary>
    private async Task<bool> ChangedAsync(Commit commit, byte[][] paths, byte[][] prefixes, CancellationToken cancellationToken)
    {
        if (commit.Parents.Count > 0 && await _refs.IsCommitExpiredAsync(commit.Parents[0], cancellationToken).ConfigureAwait(false))
        {
            // The parent's tree may be gone, so what the commit changed is unknown: shown rather than hidden.
            return true;
        }
        var parentTreeId = commit.Parents.Count > 0 ? (await ReadCommitAsync(commit.Parents[0], cancellationToken).ConfigureAwait(false)).MetaRangeId : null;
        if (parentTreeId == commit.MetaRangeId)
        {
            return false;
        }
        var tree = await _trees.GetMetaRangeAsync(commit.MetaRangeId, cancellationToken).ConfigureAwait(false);
        var parentTree = parentTreeId is null ? new MetaRange(string.Empty, []) : await _trees.GetMetaRangeAsync(parentTreeId, cancellationToken).ConfigureAwait(false);
        foreach (var path in paths)
        {
            if (await TreeDiff.AnyChangeAsync(_trees, parentTree, tree, path, exact: true, cancellationToken).ConfigureAwait(false))
            {
                return true;
            }
        }
        foreach (var prefix in prefixes)
        {
            if (await TreeDiff.AnyChangeAsync(_trees, parentTree, tree, prefix, exact: false, cancellationToken).ConfigureAwait(false))
            {
                return true;
            }
        }
        return false;
    }
}
