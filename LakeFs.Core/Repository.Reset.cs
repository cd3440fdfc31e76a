using LakeFs.Core.Hooks;
using LakeFs.Core.Refs;
using LakeFs.Core.Trees;
using LakeFs.Storage.Diagnostics;

namespace LakeFs.Core;

public sealed partial class Repository
{
    /// <summary>
    /// Drops every uncommitted change on the branch, through the same path as a commit (its staging area is frozen and
    /// retired in one compare-and-swap), so a reset and a commit of the same branch never mix.
    /// </summary>
    /// <exception cref="Errors.BranchNotFoundException">No such branch.</exception>
    /// <exception cref="Errors.ProtectedBranchException">A branch-protection rule covers the branch.</exception>
    public async Task ResetAsync(string branch, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateRefName(branch, "branch");
        using var activity = StartActivity("lakefs.reset", branch);
        try
        {
            await UpdateBranchAsync(branch, freezeStaging: true, HookEvent.PreReset, "reset", null, _options.Committer,
                (state, _) => ValueTask.FromResult(new BranchCandidate<bool>(state.Head.Id, null, state.Frozen, true)),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (LakeFsTelemetry.Fail(activity, e))
        {
            throw;
        }
    }

    /// <summary>Drops the uncommitted change at one path, so the branch shows its committed object there again.</summary>
    /// <exception cref="Errors.BranchNotFoundException">No such branch.</exception>
    public async Task ResetObjectAsync(string branch, string path, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateRefName(branch, "branch");
        var key = Names.ValidatePath(path);
        await ThrowIfProtectedAsync(branch, $"reset '{path}' on", cancellationToken).ConfigureAwait(false);
        try
        {
            await _refs.DropStagedAsync(branch, key, Keys.Successor(key), cancellationToken).ConfigureAwait(false);
        }
        catch (Errors.BranchNotFoundException)
        {
            throw await BranchNotFoundAsync(branch, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Drops the uncommitted changes under a prefix.</summary>
    /// <exception cref="Errors.BranchNotFoundException">No such branch.</exception>
    public async Task ResetPrefixAsync(string branch, string prefix, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateRefName(branch, "branch");
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        var key = Names.ValidatePrefix(prefix);
        await ThrowIfProtectedAsync(branch, $"reset prefix '{prefix}' on", cancellationToken).ConfigureAwait(false);
        try
        {
            await _refs.DropStagedAsync(branch, key, Keys.PrefixEnd(key), cancellationToken).ConfigureAwait(false);
        }
        catch (Errors.BranchNotFoundException)
        {
            throw await BranchNotFoundAsync(branch, cancellationToken).ConfigureAwait(false);
        }
    }
}
