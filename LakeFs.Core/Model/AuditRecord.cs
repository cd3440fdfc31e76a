namespace LakeFs.Core.Model;

/// <summary>
/// One entry of the audit log (<see cref="Repository.GetAuditLogAsync"/>): a change of state, written in the same
/// transaction as the change, or a hook run.
/// </summary>
public sealed record AuditRecord
{
    /// <summary>Position in the log, assigned by the ref store: increasing, in the order the changes committed.</summary>
    public required long Sequence { get; init; }

    /// <summary>When (the <see cref="TimeProvider"/> of the repository that made the change).</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>Who: the committer of the operation, else <see cref="RepositoryOptions.Committer"/>.</summary>
    public required string Actor { get; init; }

    /// <summary>What.</summary>
    public required AuditAction Action { get; init; }

    /// <summary>The branch or tag changed (the pattern for protection rules).</summary>
    public required string Ref { get; init; }

    /// <summary>The commit the ref pointed at before; null when it did not exist (and for rules).</summary>
    public required string? Before { get; init; }

    /// <summary>The commit it points at after; null when deleted (and for rules).</summary>
    public required string? After { get; init; }

    /// <summary>The commit message, merge source or ref created from (see <see cref="AuditAction"/>); null when none.</summary>
    public required string? Detail { get; init; }

    /// <summary>For <see cref="AuditAction.HookRun"/>: the run, with its result and duration.</summary>
    public HookRun? Hook { get; init; }
}
