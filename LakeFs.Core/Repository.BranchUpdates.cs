using LakeFs.Core.Diagnostics;
using LakeFs.Core.Errors;
using LakeFs.Core.Hooks;
using LakeFs.Core.Model;
using LakeFs.Core.Refs;
using LakeFs.Core.Trees;
using Microsoft.Extensions.Logging;

namespace LakeFs.Core;

public sealed partial class Repository
{
    /// <summary>What an update of a branch starts from: the branch, its head, and the staging areas it froze that are still frozen.</summary>
    private readonly record struct BranchState(BranchRecord Branch, Commit Head, long[] Frozen);

    /// <summary>
    /// What an update would do: move the head to <paramref name="NewHead"/> (storing <paramref name="NewCommit"/> when
    /// it is new) and retire the frozen staging areas in <paramref name="Retire"/>; the caller gets <paramref name="Result"/>.
    /// </summary>
    private sealed record BranchCandidate<T>(string NewHead, Commit? NewCommit, long[] Retire, T Result)
    {
        /// <summary>
        /// The branch has staged rows that change nothing (checked by the builder): freeze them right before the head
        /// moves and retire them with it, since left in place they would hide, at every path the move changes, the new
        /// version behind a copy of the old one.
        /// </summary>
        public bool RetireNoOpStaging { get; init; }

        /// <summary>A partial commit's rows, dropped from the frozen areas at the compare-and-swap (<see cref="BranchUpdate.Trim"/>).</summary>
        public StagedSelection? Trim { get; init; }
    }

    /// <summary>
    /// The one path every move of a branch head takes (commit, merge, revert, cherry-pick, reset):
    /// (1) for a commit or reset, freeze the staging area; (2) build the candidate from the branch's current head;
    /// (3) branch-protection rules (for all but merges) and the pre-hooks of <paramref name="preEvent"/> run against the candidate, which is stored
    /// first (an unreferenced commit until the head moves) so hooks can read it by id; (4) one compare-and-swap stores
    /// the commit, moves the head, retires the staging areas the candidate took in and appends the audit record (so a lost
    /// race leaves none, and each change has exactly one). When the head moved meanwhile,
    /// redo from (2). (5) After the branch's gate is left, the post-hooks run; their failures are returned, never undo.
    /// <para>
    /// Updates of one branch in this process wait for each other (<see cref="BranchGates"/>), so they never redo work
    /// because of each other. Another process (or another <see cref="Repository"/> on the same ref store) can still
    /// move the head first; then this update waits a short random time, growing with each try up to 64 ms, and tries
    /// again, without a limit: each lost race means another update succeeded, and the random waits keep two writers
    /// from losing to each other in step forever. Only the <paramref name="cancellationToken"/> ends the retries.
    /// </para>
    /// <para>
    /// A pre-hook runs while this update holds the branch's gate, so it must not update the same branch: such a call
    /// fails at once with <see cref="HookReentrancyException"/> (<see cref="HookScope"/>) rather than waiting for itself.
    /// With no hook registered for the event, none of this costs more than an array-length check: nothing is stored
    /// early and nothing is allocated.
    /// </para>
    /// </summary>
    /// <param name="branch">The branch to update.</param>
    /// <param name="freezeStaging">Freeze the staging area first (commit, reset): the builder gets what was staged until now.</param>
    /// <param name="preEvent">The operation's pre-hook event; its post event follows it in <see cref="HookEvent"/>.</param>
    /// <param name="operation">For messages: "merge into", "commit on", ….</param>
    /// <param name="source">What the hooks see as <see cref="HookContext.Source"/>.</param>
    /// <param name="committer">Who performs the update, for the hooks.</param>
    /// <param name="build">Builds the candidate; throws to abort (nothing has changed then, apart from a frozen staging area, which reads as before).</param>
    /// <param name="cancellationToken">Cancels the update before its compare-and-swap.</param>
    private async Task<(T Result, IReadOnlyList<HookRun> PostHookFailures)> UpdateBranchAsync<T>(
        string branch, bool freezeStaging, HookEvent preEvent, string operation, string? source, string committer,
        Func<BranchState, CancellationToken, ValueTask<BranchCandidate<T>>> build, CancellationToken cancellationToken)
    {
        if (HookScope.Holds(_refs.Description, branch))
        {
            throw new HookReentrancyException(
                $"Cannot {operation} branch '{branch}' from a pre-hook of an update of '{branch}': that update holds the branch until its hooks return, " +
                "so this call would wait for itself. Write objects with PutObjectAsync (they land after the update), or move the head in a post-hook.");
        }
        // Merges are how changes reach a protected branch; everything else is refused before it freezes anything, and
        // again right before the head moves (a rule added meanwhile).
        var guarded = preEvent != HookEvent.PreMerge;
        if (guarded)
        {
            await ThrowIfProtectedAsync(branch, operation, cancellationToken).ConfigureAwait(false);
        }
        BranchCandidate<T> candidate;
        Commit head;
        using (await _gates.EnterAsync(branch, cancellationToken).ConfigureAwait(false))
        {
            long[] frozen = [];
            if (freezeStaging)
            {
                try
                {
                    frozen = (await _refs.FreezeStagingAsync(branch, cancellationToken).ConfigureAwait(false)).FrozenTokens;
                }
                catch (BranchNotFoundException)
                {
                    throw await BranchNotFoundAsync(branch, cancellationToken).ConfigureAwait(false);
                }
            }
            for (var attempt = 1; ; attempt++)
            {
                var record = await GetBranchRecordAsync(branch, cancellationToken).ConfigureAwait(false);
                head = await ReadCommitAsync(record.Head, cancellationToken).ConfigureAwait(false);
                candidate = await build(new BranchState(record, head, [.. frozen.Where(record.FrozenTokens.Contains)]), cancellationToken).ConfigureAwait(false);

                if (guarded)
                {
                    await ThrowIfProtectedAsync(branch, operation, cancellationToken).ConfigureAwait(false);
                }
                // A commit that changes nothing moves nothing: it retires what it froze and fails, without hooks.
                if ((candidate.NewHead != head.Id || preEvent == HookEvent.PreReset) && Hooks.Any(preEvent, branch))
                {
                    var subject = await HookSubjectAsync(branch, preEvent, source, committer, head, candidate, store: true, cancellationToken).ConfigureAwait(false);
                    await RunPreHooksAsync(preEvent, subject, operation, branch, cancellationToken).ConfigureAwait(false);
                }

                var retire = candidate.Retire;
                if (candidate.RetireNoOpStaging)
                {
                    retire = [.. retire.Union(await FreezeNoOpStagingAsync(branch, head, operation, cancellationToken).ConfigureAwait(false))];
                }
                var audit = candidate.NewHead == head.Id && preEvent != HookEvent.PreReset
                    ? null
                    : NewAuditRecord(AuditActionOf(preEvent), branch, head.Id, candidate.NewHead,
                        preEvent == HookEvent.PreCommit ? candidate.NewCommit?.Message : source, candidate.NewCommit?.Committer ?? committer);
                var update = new BranchUpdate(branch, head.Id, candidate.NewHead, candidate.NewCommit, retire) { Audit = audit, Trim = candidate.Trim };
                if (await _refs.TryUpdateBranchAsync(update, cancellationToken).ConfigureAwait(false))
                {
                    break;
                }
                var wait = TimeSpan.FromMilliseconds(Random.Shared.Next(0, Math.Min(64, 1 << Math.Min(attempt, 6)) + 1));
                _logger.HeadMoved(branch, operation, wait.TotalMilliseconds, attempt + 1);
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }
        }
        var postEvent = preEvent + 1;
        if ((candidate.NewHead == head.Id && preEvent != HookEvent.PreReset) || !Hooks.Any(postEvent, branch))
        {
            return (candidate.Result, []);
        }
        // After a reset the dropped changes are gone: a post-reset hook sees none.
        var done = await HookSubjectAsync(branch, preEvent, source, committer, head, candidate, store: false, cancellationToken).ConfigureAwait(false);
        return (candidate.Result, await RunPostHooksAsync(postEvent, done, operation, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// What hooks see of an update. For pre-hooks (<paramref name="store"/>) the candidate commit is stored first
    /// (harmless if the update stops: nothing references it), so hooks can read it by id.
    /// </summary>
    private async Task<HookSubject> HookSubjectAsync<T>(
        string branch, HookEvent preEvent, string? source, string committer, Commit head, BranchCandidate<T> candidate, bool store,
        CancellationToken cancellationToken)
    {
        var created = candidate.NewCommit;
        if (created is not null && store)
        {
            await _refs.InsertCommitAsync(created, cancellationToken).ConfigureAwait(false);
        }
        var target = created ?? await ReadCommitAsync(candidate.NewHead, cancellationToken).ConfigureAwait(false);
        Func<CancellationToken, IAsyncEnumerable<Change>> changes = preEvent != HookEvent.PreReset
            ? token => TreeChangesAsync(head.MetaRangeId, target.MetaRangeId, token)
            : store ? token => DroppedChangesAsync(head, candidate.Retire, token) : NoChanges;
        return new HookSubject(branch, null, source, head.Id, target, created?.Message, created?.Committer ?? committer,
            created?.Metadata ?? NoMetadata, changes);
    }

    /// <summary>
    /// Freezes a branch's staged rows right before the head moves and checks the frozen rows again (a write may have
    /// come in since the builder looked): they must all change nothing against <paramref name="head"/>.
    /// </summary>
    private async Task<long[]> FreezeNoOpStagingAsync(string branch, Commit head, string operation, CancellationToken cancellationToken)
    {
        var frozen = (await _refs.FreezeStagingAsync(branch, cancellationToken).ConfigureAwait(false)).FrozenTokens;
        await ThrowIfChangedAsync(branch, frozen, head, operation, cancellationToken).ConfigureAwait(false);
        return frozen;
    }

    /// <summary>
    /// Refuses a branch with uncommitted changes (<see cref="UncommittedChangesAsync"/>) against <paramref name="head"/>.
    /// Returns whether any rows are staged at all — rows that change nothing, which the update must retire
    /// (<see cref="BranchCandidate{T}.RetireNoOpStaging"/>). With nothing staged this costs no more than a branch
    /// read; otherwise the scan stops at the first real change.
    /// </summary>
    private async Task<bool> EnsureCleanAsync(BranchRecord branch, Commit head, string operation, CancellationToken cancellationToken)
    {
        if (!await _refs.HasStagedAsync(branch, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }
        await ThrowIfChangedAsync(branch.Name, branch.Tokens, head, operation, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task ThrowIfChangedAsync(string branch, IReadOnlyList<long> tokens, Commit head, string operation, CancellationToken cancellationToken)
    {
        var tree = await _trees.GetMetaRangeAsync(head.MetaRangeId, cancellationToken).ConfigureAwait(false);
        var changed = new List<string>();
        await foreach (var change in UncommittedChangesAsync(tokens, tree, [], cancellationToken).ConfigureAwait(false))
        {
            changed.Add(change.Path);
            if (changed.Count > 5)
            {
                break;
            }
        }
        if (changed.Count > 0)
        {
            var shown = string.Join(", ", changed.Take(5).Select(p => $"'{p}'"));
            throw new DirtyBranchException(
                $"Cannot {operation} branch '{branch}': it has uncommitted changes ({shown}{(changed.Count > 5 ? ", …" : "")}). Commit or reset them first.");
        }
    }

    /// <summary>A new commit on <paramref name="parents"/> (the first is the branch's head), timed by the repository's clock.</summary>
    private Commit NewCommit(IReadOnlyList<Commit> parents, MetaRange tree, string message, string committer, SortedDictionary<string, string> metadata, CommitStatistics statistics)
    {
        var created = _options.TimeProvider.GetUtcNow();
        string[] ids = [.. parents.Select(p => p.Id)];
        return new Commit
        {
            Id = CommitId.Compute(ids, tree.Id, message, committer, created, metadata),
            Parents = ids,
            MetaRangeId = tree.Id,
            Message = message,
            Committer = committer,
            CreationDate = created,
            Metadata = metadata,
            Generation = 1 + parents.Max(p => p.Generation),
            Statistics = statistics,
        };
    }
}
