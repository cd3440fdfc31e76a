using LakeFs.Core.Errors;
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
    }

    /// <summary>
    /// The one path every move of a branch head takes (commit, merge, revert, cherry-pick, reset):
    /// (1) for a commit or reset, freeze the staging area; (2) build the candidate from the branch's current head;
    /// (3) protection rules and pre-hooks will run here, against the candidate; (4) one compare-and-swap stores the
    /// commit, moves the head and retires the staging areas the candidate took in. When the head moved meanwhile,
    /// redo from (2).
    /// <para>
    /// Updates of one branch in this process wait for each other (<see cref="BranchGates"/>), so they never redo work
    /// because of each other. Another process (or another <see cref="Repository"/> on the same ref store) can still
    /// move the head first; then this update waits a short random time, growing with each try up to 64 ms, and tries
    /// again, without a limit: each lost race means another update succeeded, and the random waits keep two writers
    /// from losing to each other in step forever. Only the <paramref name="cancellationToken"/> ends the retries.
    /// </para>
    /// </summary>
    /// <param name="branch">The branch to update.</param>
    /// <param name="freezeStaging">Freeze the staging area first (commit, reset): the builder gets what was staged until now.</param>
    /// <param name="operation">For messages: "merge into", "commit on", ….</param>
    /// <param name="build">Builds the candidate; throws to abort (nothing has changed then, apart from a frozen staging area, which reads as before).</param>
    /// <param name="cancellationToken">Cancels the update before its compare-and-swap.</param>
    private async Task<T> UpdateBranchAsync<T>(
        string branch, bool freezeStaging, string operation, Func<BranchState, CancellationToken, ValueTask<BranchCandidate<T>>> build,
        CancellationToken cancellationToken)
    {
        using var gate = await _gates.EnterAsync(branch, cancellationToken).ConfigureAwait(false);
        long[] frozen = freezeStaging ? (await _refs.FreezeStagingAsync(branch, cancellationToken).ConfigureAwait(false)).FrozenTokens : [];
        for (var attempt = 1; ; attempt++)
        {
            var record = await GetBranchRecordAsync(branch, cancellationToken).ConfigureAwait(false);
            var head = await ReadCommitAsync(record.Head, cancellationToken).ConfigureAwait(false);
            var candidate = await build(new BranchState(record, head, [.. frozen.Where(record.FrozenTokens.Contains)]), cancellationToken).ConfigureAwait(false);

            // Protection rules and pre-hooks go here: the candidate is built, the head has not moved.

            var retire = candidate.Retire;
            if (candidate.RetireNoOpStaging)
            {
                retire = [.. retire.Union(await FreezeNoOpStagingAsync(branch, head, operation, cancellationToken).ConfigureAwait(false))];
            }
            if (await _refs.TryUpdateBranchAsync(new BranchUpdate(branch, head.Id, candidate.NewHead, candidate.NewCommit, retire), cancellationToken).ConfigureAwait(false))
            {
                return candidate.Result;
            }
            var wait = TimeSpan.FromMilliseconds(Random.Shared.Next(0, Math.Min(64, 1 << Math.Min(attempt, 6)) + 1));
            _logger.LogDebug("Head of {Branch} moved during {Operation} (another process or repository instance); trying again in {Wait} ms (attempt {Attempt})",
                branch, operation, wait.TotalMilliseconds, attempt + 1);
            await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
        }
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
        return new Commit(CommitId.Compute(ids, tree.Id, message, committer, created, metadata),
            ids, tree.Id, message, committer, created, metadata, 1 + parents.Max(p => p.Generation))
        {
            Statistics = statistics,
        };
    }
}
