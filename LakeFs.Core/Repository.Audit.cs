using LakeFs.Core.Diagnostics;
using System.Runtime.CompilerServices;
using LakeFs.Core.Hooks;
using LakeFs.Core.Model;
using Microsoft.Extensions.Logging;

namespace LakeFs.Core;

public sealed partial class Repository
{
    /// <summary>
    /// The audit log, oldest first: one record per change of state — commit, merge, revert, cherry-pick, whole-branch
    /// reset, branch and tag creation and deletion, protection rule added or removed — written in the same transaction
    /// as the change (a change that failed or lost a race leaves none), with time, actor and the heads before and after;
    /// and one per hook run, with its result and duration (pre-hook runs are recorded even when they stopped the
    /// operation). Read a page at a time; records appended meanwhile may show. Object puts and deletes are not recorded
    /// (their commit is).
    /// </summary>
    /// <param name="filter">Which records (default: all); <see cref="AuditFilter.AfterSequence"/> continues a read.</param>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    public async IAsyncEnumerable<AuditRecord> GetAuditLogAsync(AuditFilter? filter = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        await foreach (var record in _refs.ListAuditAsync(filter ?? new AuditFilter(), cancellationToken).ConfigureAwait(false))
        {
            yield return record;
        }
    }

    private AuditRecord NewAuditRecord(AuditAction action, string @ref, string? before, string? after, string? detail, string? actor = null) =>
        new()
        {
            Sequence = 0,
            Time = _options.TimeProvider.GetUtcNow(),
            Actor = actor ?? _options.Committer,
            Action = action,
            Ref = @ref,
            Before = before,
            After = after,
            Detail = detail,
        };

    private static AuditAction AuditActionOf(HookEvent preEvent) => preEvent switch
    {
        HookEvent.PreCommit => AuditAction.Commit,
        HookEvent.PreMerge => AuditAction.Merge,
        HookEvent.PreRevert => AuditAction.Revert,
        HookEvent.PreCherryPick => AuditAction.CherryPick,
        HookEvent.PreReset => AuditAction.Reset,
        _ => throw new ArgumentOutOfRangeException(nameof(preEvent), preEvent, "Not an event of a head move."),
    };

    /// <summary>
    /// Appends hook runs to the audit log. Not cancellable (a run that happened is recorded); a failure to record is
    /// logged, not thrown, so it never hides the hook's own outcome.
    /// </summary>
    private async Task RecordHookRunsAsync(List<HookRun> runs, string actor)
    {
        if (runs.Count == 0)
        {
            return;
        }
        var now = _options.TimeProvider.GetUtcNow();
        try
        {
            await _refs.AppendAuditAsync(
                [.. runs.Select(r => new AuditRecord
                {
                    Sequence = 0,
                    Time = now,
                    Actor = actor,
                    Action = AuditAction.HookRun,
                    Ref = r.Ref,
                    Before = null,
                    After = null,
                    Detail = null,
                    Hook = r,
                })], CancellationToken.None).ConfigureAwait(false);
        }
        catch (LakeFsException e)
        {
            _logger.AuditWriteFailed(e, runs.Count);
        }
    }
}
