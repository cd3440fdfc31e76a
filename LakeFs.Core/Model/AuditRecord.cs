namespace LakeFs.Core.Model;

/// <summary>
/// One entry of the audit log (<see cref="Repository.GetAuditLogAsync"/>): a change of state, written in the same
/// transaction as the change, or a hook run.
/// </summary>
/// <param name="Sequence">Position in the log, assigned by the ref store: increasing, in the order the changes committed.</param>
/// <param name="Time">When (the <see cref="TimeProvider"/> of the repository that made the change).</param>
/// <param name="Actor">Who: the committer of the operation, else <see cref="RepositoryOptions.Committer"/>.</param>
/// <param name="Action">What.</param>
/// <param name="Ref">The branch or tag changed (the pattern for protection rules).</param>
/// <param name="Before">The commit the ref pointed at before; null when it did not exist (and for rules).</param>
/// <param name="After">The commit it points at after; null when deleted (and for rules).</param>
/// <param name="Detail">The commit message, merge source or ref created from (see <see cref="AuditAction"/>); null when none.</param>
/// <param name="Hook">For <see cref="AuditAction.HookRun"/>: the run, with its result and duration.</param>
public sealed record AuditRecord(
    long Sequence, DateTimeOffset Time, string Actor, AuditAction Action, string Ref, string? Before, string? After, string? Detail,
    HookRun? Hook = null);
