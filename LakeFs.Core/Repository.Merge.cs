using LakeFs.Core.Diagnostics;
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
    /// <summary>Metadata key recording the commit a cherry-pick copied.</summary>
    public const string CherryPickedFromKey = "lakefs.cherry-picked-from";

    /// <summary>Metadata key recording the commit a revert undid.</summary>
    public const string RevertedCommitKey = "lakefs.reverted-commit";

    /// <summary>
    /// A best common ancestor of two refs, or null when unrelated. In a criss-cross history there are several (see
    /// <see cref="FindMergeBasesAsync"/>); this returns the last of them in that order — the one with the highest
    /// generation — like <c>git merge-base</c> without <c>--all</c>, and three-dot diffs compare against it. A
    /// merge does not use it alone: it merges all of them into a virtual base.
    /// </summary>
    public async Task<Commit?> FindMergeBaseAsync(string left, string right, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        var leftCommit = await ResolveCommitAsync(left, cancellationToken).ConfigureAwait(false);
        var rightCommit = await ResolveCommitAsync(right, cancellationToken).ConfigureAwait(false);
        return await FindMergeBaseAsync(leftCommit, rightCommit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Every best common ancestor of two refs (<c>git merge-base --all</c>): one in a plain history, several in a
    /// criss-cross one, none when unrelated. They come in the order a merge combines them into its virtual base,
    /// which depends on the history only: generation ascending, then message, committer, metadata and the content
    /// of their trees, and only then the commit id (docs/merges.md).
    /// </summary>
    public async Task<IReadOnlyList<Commit>> FindMergeBasesAsync(string left, string right, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        var leftCommit = await ResolveCommitAsync(left, cancellationToken).ConfigureAwait(false);
        var rightCommit = await ResolveCommitAsync(right, cancellationToken).ConfigureAwait(false);
        return await new VirtualBase(_trees, _refs).FindAsync([leftCommit], rightCommit, cancellationToken).ConfigureAwait(false);
    }

    private async Task<Commit?> FindMergeBaseAsync(Commit left, Commit right, CancellationToken cancellationToken) =>
        await new VirtualBase(_trees, _refs).FindAsync([left], right, cancellationToken).ConfigureAwait(false) is { Count: > 0 } all ? all[^1] : null;

    // ------------------------------------------------------------------ merge

    /// <summary>
    /// Merges the committed data of <paramref name="source"/> (any ref) into the branch <paramref name="destination"/>:
    /// a three-way merge against their merge base, or a fast-forward when allowed and possible. With several best
    /// common ancestors (a criss-cross history) the base is their recursive merge, as git's recursive strategy builds
    /// it (docs/merges.md). Every conflict is found before anything is written; with the default strategy they are
    /// all reported and nothing changes. Staged objects that change nothing (the head's content written again) do
    /// not make the destination dirty; they are dropped when the head moves.
    /// </summary>
    /// <exception cref="MergeConflictException">Conflicts and the strategy is <see cref="MergeStrategy.Fail"/>.</exception>
    /// <exception cref="NoChangesException">The source is already contained in the destination (unless <see cref="MergeOptions.AllowEmpty"/>).</exception>
    /// <exception cref="DirtyBranchException">The destination has uncommitted changes.</exception>
    /// <exception cref="InvalidMetadataException">The message, committer or metadata breaks the rules of <see cref="MetadataLimits"/>, or a resolver's custom object does.</exception>
    public async Task<MergeResult> MergeAsync(string source, string destination, MergeOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var activity = StartActivity("lakefs.merge", destination);
        activity?.SetTag(LakeFsTelemetry.RefTag, source);
        var started = _options.TimeProvider.GetTimestamp();
        try
        {
            var result = await MergeCoreAsync(source, destination, options, cancellationToken).ConfigureAwait(false);
            if (activity is not null)
            {
                activity.SetTag(LakeFsTelemetry.CommitTag, result.Head);
                activity.SetTag(LakeFsTelemetry.ChangesTag, result.Changes);
                activity.SetTag("lakefs.merge.fast_forward", result.FastForwarded);
                activity.SetTag("lakefs.merge.conflicts_resolved", result.ConflictsResolved);
                if (result.Commit?.Statistics is { } statistics)
                {
                    activity.SetTag(LakeFsTelemetry.RangesWrittenTag, statistics.RangesWritten);
                    activity.SetTag(LakeFsTelemetry.RangesReusedTag, statistics.RangesReused);
                }
            }
            LakeFsTelemetry.RecordDuration(LakeFsTelemetry.MergeDuration, _options.TimeProvider.GetElapsedTime(started).TotalSeconds, Id, null);
            return result;
        }
        catch (Exception e) when (Failed(activity, LakeFsTelemetry.MergeDuration, started, e))
        {
            throw;
        }
    }

    private async Task<MergeResult> MergeCoreAsync(string source, string destination, MergeOptions? options, CancellationToken cancellationToken)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        ArgumentNullException.ThrowIfNull(source);
        Names.ValidateRefName(destination, "branch");
        options ??= new MergeOptions();
        var committer = options.Committer ?? _options.Committer;
        ArgumentException.ThrowIfNullOrEmpty(committer, nameof(options));
        if (options.Message is { } m && string.IsNullOrWhiteSpace(m))
        {
            throw new ArgumentException("A merge message cannot be blank; leave it null for the default.", nameof(options));
        }
        var metadata = MetadataLimits.ValidateCommit(options.Message, committer, options.Metadata);

        var (result, postHookFailures) = await UpdateBranchAsync(destination, freezeStaging: false, HookEvent.PreMerge, "merge into", source, committer, async (state, token) =>
        {
            var resolved = await ResolveAsync(source, token).ConfigureAwait(false);
            if (resolved.Branch == destination || source == destination)
            {
                throw new ArgumentException($"Cannot merge branch '{destination}' into itself.", nameof(source));
            }
            var head = state.Head;
            var staged = await EnsureCleanAsync(state.Branch, head, "merge into", token).ConfigureAwait(false);
            var sourceCommit = resolved.Commit ?? await ReadCommitAsync(resolved.CommitId, token).ConfigureAwait(false);
            var virtualBase = new VirtualBase(_trees, _refs);
            var bases = await virtualBase.FindAsync([head], sourceCommit, token).ConfigureAwait(false);

            if (bases is [var contained] && contained.Id == sourceCommit.Id && !options.AllowEmpty)
            {
                throw new NoChangesException($"'{source}' ({sourceCommit.Id[..12]}) is already contained in branch '{destination}'.");
            }
            var canFastForward = bases is [var only] && only.Id == head.Id && !options.Squash;
            if (options.FastForward == FastForward.Only && !canFastForward)
            {
                throw new ConflictException($"Cannot fast-forward '{destination}' to '{source}': the branch has commits the source does not contain.");
            }
            if (canFastForward && options.FastForward != FastForward.Never)
            {
                var changes = await CountChangesAsync(head, sourceCommit, token).ConfigureAwait(false);
                return new BranchCandidate<MergeResult>(sourceCommit.Id, null, [], new MergeResult
                {
                    Head = sourceCommit.Id,
                    Commit = null,
                    FastForwarded = true,
                    Changes = changes,
                    ConflictsResolved = 0,
                })
                {
                    RetireNoOpStaging = staged,
                };
            }

            foreach (var mergeBase in bases)
            {
                await ThrowIfExpiredAsync($"the merge base of '{source}' and '{destination}'", mergeBase.Id, token).ConfigureAwait(false);
            }
            var baseTree = await virtualBase.TreeAsync(bases, token).ConfigureAwait(false);
            if (virtualBase.VirtualMerges > 0)
            {
                _logger.VirtualBase(
                    source, destination, bases.Count, virtualBase.VirtualMerges);
            }
            var sourceTree = await _trees.GetMetaRangeAsync(sourceCommit.MetaRangeId, token).ConfigureAwait(false);
            var (tree, statistics, resolvedConflicts) = await ThreeWayAsync(
                baseTree, sourceTree, head, options.Strategy, options.Resolver, $"Merging '{source}' into '{destination}'", token).ConfigureAwait(false);
            Commit[] parents = options.Squash ? [head] : [head, sourceCommit];
            var message = options.Message ?? (options.Squash ? $"Squash merge '{source}' into '{destination}'" : $"Merge '{source}' into '{destination}'");
            var commit = NewCommit(parents, tree, message, committer, metadata, statistics);
            return new BranchCandidate<MergeResult>(commit.Id, commit, [], new MergeResult
            {
                Head = commit.Id,
                Commit = commit,
                FastForwarded = false,
                Changes = statistics.Changes,
                ConflictsResolved = resolvedConflicts,
            })
            {
                RetireNoOpStaging = staged,
            };
        }, cancellationToken).ConfigureAwait(false);
        if (result.FastForwarded)
        {
            _logger.FastForwarded(destination, result.Head);
        }
        else
        {
            _logger.Merged(source, destination, result.Head, result.Changes);
        }
        return postHookFailures.Count == 0 ? result : result with { PostHookFailures = postHookFailures };
    }

    /// <summary>
    /// Undoes a commit on a branch: applies the inverse of its changes (against parent
    /// <see cref="RevertOptions.ParentNumber"/> for a merge commit) as a new commit. Later changes to the same
    /// paths are conflicts, reported like merge conflicts.
    /// </summary>
    /// <exception cref="InvalidParentException">The parent number does not fit the commit, or it has no parent.</exception>
    public Task<Commit> RevertAsync(string branch, string commitRef, RevertOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new RevertOptions();
        return ApplyCommitAsync(branch, commitRef, options, revert: true, cancellationToken);
    }

    /// <summary>
    /// Applies one commit's changes (against parent <see cref="RevertOptions.ParentNumber"/> for a merge commit)
    /// onto a branch as a new commit whose metadata records the original under <see cref="CherryPickedFromKey"/>.
    /// </summary>
    public Task<Commit> CherryPickAsync(string branch, string commitRef, RevertOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new RevertOptions();
        return ApplyCommitAsync(branch, commitRef, options, revert: false, cancellationToken);
    }

    private async Task<Commit> ApplyCommitAsync(string branch, string commitRef, RevertOptions options, bool revert, CancellationToken cancellationToken)
    {
        using var activity = StartActivity(revert ? "lakefs.revert" : "lakefs.cherry_pick", branch);
        activity?.SetTag(LakeFsTelemetry.RefTag, commitRef);
        try
        {
            var commit = await ApplyCommitCoreAsync(branch, commitRef, options, revert, cancellationToken).ConfigureAwait(false);
            TagCommit(activity, commit);
            return commit;
        }
        catch (Exception e) when (LakeFsTelemetry.Fail(activity, e))
        {
            throw;
        }
    }

    private async Task<Commit> ApplyCommitCoreAsync(string branch, string commitRef, RevertOptions options, bool revert, CancellationToken cancellationToken)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateRefName(branch, "branch");
        ArgumentNullException.ThrowIfNull(commitRef);
        var committer = options.Committer ?? _options.Committer;
        ArgumentException.ThrowIfNullOrEmpty(committer, nameof(options));
        var metadata = MetadataLimits.ValidateCommit(options.Message, committer, options.Metadata);
        var verb = revert ? "revert" : "cherry-pick";
        var target = await ResolveCommitAsync(commitRef, cancellationToken).ConfigureAwait(false);
        var parent = await ReadCommitAsync(ParentFor(target, options.ParentNumber, verb), cancellationToken).ConfigureAwait(false);
        await ThrowIfExpiredAsync($"the parent of '{commitRef}'", parent.Id, cancellationToken).ConfigureAwait(false);
        metadata[revert ? RevertedCommitKey : CherryPickedFromKey] = target.Id;
        var message = options.Message ?? (revert ? $"Revert {target.Id[..12]}: {target.Message}" : target.Message);

        var targetTree = await _trees.GetMetaRangeAsync(target.MetaRangeId, cancellationToken).ConfigureAwait(false);
        var parentTree = await _trees.GetMetaRangeAsync(parent.MetaRangeId, cancellationToken).ConfigureAwait(false);
        // Revert brings the parent's side onto the branch with the commit as base; cherry-pick the reverse.
        var (baseTree, sourceTree) = revert ? (targetTree, parentTree) : (parentTree, targetTree);
        var (commit, postHookFailures) = await UpdateBranchAsync(
            branch, freezeStaging: false, revert ? HookEvent.PreRevert : HookEvent.PreCherryPick, verb + " onto", commitRef, committer, async (state, token) =>
        {
            var staged = await EnsureCleanAsync(state.Branch, state.Head, verb + " onto", token).ConfigureAwait(false);
            var (tree, statistics, _) = await ThreeWayAsync(
                baseTree, sourceTree, state.Head, options.Strategy, options.Resolver, $"To {verb} {target.Id[..12]} onto '{branch}'", token).ConfigureAwait(false);
            if (statistics.Changes == 0)
            {
                throw new NoChangesException($"To {verb} {target.Id[..12]} onto '{branch}' changes nothing.");
            }
            var commit = NewCommit([state.Head], tree, message, committer, metadata, statistics);
            return new BranchCandidate<Commit>(commit.Id, commit, [], commit) { RetireNoOpStaging = staged };
        }, cancellationToken).ConfigureAwait(false);
        _logger.Applied(verb, target.Id, branch, commit.Id);
        return postHookFailures.Count == 0 ? commit : commit with { PostHookFailures = postHookFailures };
    }

    private static string ParentFor(Commit commit, int? parentNumber, string verb)
    {
        if (commit.Parents.Count == 0)
        {
            throw new InvalidParentException($"Cannot {verb} {commit.Id[..12]}: it is the first commit and has no parent.");
        }
        if (commit.Parents.Count > 1 && parentNumber is null)
        {
            throw new InvalidParentException($"Cannot {verb} {commit.Id[..12]}: it is a merge commit with {commit.Parents.Count} parents. " +
                $"Say which parent to diff against with RevertOptions.ParentNumber (1-based; 1, the branch merged into, is usual, like git's -m 1).");
        }
        if (commit.Parents.Count == 1 && parentNumber is not null and not 1)
        {
            throw new InvalidParentException($"Cannot {verb} {commit.Id[..12]} against parent {parentNumber}: it has a single parent.");
        }
        var number = parentNumber ?? 1;
        if (number < 1 || number > commit.Parents.Count)
        {
            throw new InvalidParentException($"Cannot {verb} {commit.Id[..12]} against parent {number}: it has {commit.Parents.Count} parents.");
        }
        return commit.Parents[number - 1];
    }

    /// <summary>
    /// Three-way merge of base/source onto the destination commit in one streaming pass: destination ranges the
    /// destination never changed take the source's range of the same bounds whole (<see cref="RangeReplacements"/>), the
    /// rest of the tree is rebuilt with the source's changes, reusing every range they do not touch, and each conflict is resolved
    /// by the resolver or strategy as the walk reaches it. With conflicts left unresolved nothing is committed and
    /// every one of them is reported (the range files written on the way are unreferenced).
    /// </summary>
    private async Task<(MetaRange Tree, CommitStatistics Statistics, int Resolved)> ThreeWayAsync(
        MetaRange baseTree, MetaRange sourceTree, Commit destination,
        MergeStrategy strategy, Func<Conflict, ConflictResolution>? resolver, string what, CancellationToken cancellationToken)
    {
        var destinationTree = await _trees.GetMetaRangeAsync(destination.MetaRangeId, cancellationToken).ConfigureAwait(false);
        var conflicts = new ConflictResolver(strategy, resolver);
        var (tree, statistics) = await ThreeWayMerge.MergeAsync(_trees, baseTree, sourceTree, destinationTree, conflicts.Resolve, cancellationToken).ConfigureAwait(false);
        conflicts.ThrowIfUnresolved(what);
        return (tree, statistics, conflicts.Resolved);
    }

    private async Task<long> CountChangesAsync(Commit from, Commit to, CancellationToken cancellationToken)
    {
        var a = await _trees.GetMetaRangeAsync(from.MetaRangeId, cancellationToken).ConfigureAwait(false);
        var b = await _trees.GetMetaRangeAsync(to.MetaRangeId, cancellationToken).ConfigureAwait(false);
        long count = 0;
        await foreach (var _ in TreeDiff.DiffAsync(_trees, a, b, [], cancellationToken).ConfigureAwait(false))
        {
            count++;
        }
        return count;
    }
}
