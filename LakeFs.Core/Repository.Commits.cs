using System.Runtime.CompilerServices;
using LakeFs.Core.Errors;
using LakeFs.Core.Hooks;
using LakeFs.Core.Trees;
using LakeFs.Core.Model;
using LakeFs.Core.Refs;
using Microsoft.Extensions.Logging;

namespace LakeFs.Core;

public sealed partial class Repository
{
    /// <summary>
    /// Commits a branch's uncommitted changes. Writers keep writing while the commit runs (their writes land in
    /// the next commit); the head moves by compare-and-swap, so concurrent commits on one branch serialize.
    /// The returned commit carries <see cref="Commit.Statistics"/>: the cost follows the changes.
    /// </summary>
    /// <exception cref="NoChangesException">Nothing changed and <see cref="CommitOptions.AllowEmpty"/> is off.</exception>
    /// <exception cref="BranchNotFoundException">No such branch.</exception>
    /// <exception cref="InvalidMetadataException">The message, committer or metadata breaks the rules of <see cref="MetadataLimits"/>.</exception>
    public async Task<Commit> CommitAsync(string branch, string message, CommitOptions? options = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateRefName(branch, "branch");
        ArgumentException.ThrowIfNullOrWhiteSpace(message);
        options ??= new CommitOptions();
        var committer = options.Committer ?? _options.Committer;
        ArgumentException.ThrowIfNullOrEmpty(committer, nameof(options));
        var metadata = MetadataLimits.ValidateCommit(message, committer, options.Metadata);

        var (created, postHookFailures) = await UpdateBranchAsync(branch, freezeStaging: true, HookEvent.PreCommit, "commit on", null, committer, async (state, token) =>
        {
            var baseTree = await _trees.GetMetaRangeAsync(state.Head.MetaRangeId, token).ConfigureAwait(false);
            MetaRange tree;
            CommitStatistics statistics;
            var changes = new OverlayCursor([.. state.Frozen.Select(t => (EntryCursor)new StagingCursor(_refs, t, [], token))]);
            await using (changes.ConfigureAwait(false))
            {
                (tree, statistics) = await new TreeBuilder(_trees).BuildAsync(baseTree, changes, token).ConfigureAwait(false);
            }
            if (statistics.Changes == 0 && !options.AllowEmpty)
            {
                // Whatever was staged matches the head: retire it, then say so.
                return new BranchCandidate<Commit?>(state.Head.Id, null, state.Frozen, null);
            }
            var commit = NewCommit([state.Head], tree, message, committer, metadata, statistics);
            return new BranchCandidate<Commit?>(commit.Id, commit, state.Frozen, commit);
        }, cancellationToken).ConfigureAwait(false);
        var commit = created ?? throw new NoChangesException($"Branch '{branch}' has no changes to commit.");
        var applied = commit.Statistics!;
        _logger.LogInformation(
            "Committed {Commit} on {Branch}: {Changes} changes, {Written} ranges written, {Reused} reused",
            commit.Id, branch, applied.Changes, applied.RangesWritten, applied.RangesReused);
        return postHookFailures.Count == 0 ? commit : commit with { PostHookFailures = postHookFailures };
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
    /// changed them compared with their first parent.
    /// </summary>
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
