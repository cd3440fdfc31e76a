namespace LakeFs.Core.Model;

/// <summary>What an <see cref="AuditRecord"/> records.</summary>
public enum AuditAction
{
    /// <summary>A commit moved a branch head.</summary>
    Commit,

    /// <summary>A merge (or fast-forward) moved a branch head; <see cref="AuditRecord.Detail"/> is the source as given.</summary>
    Merge,

    /// <summary>A revert moved a branch head; <see cref="AuditRecord.Detail"/> is the reverted commit as given.</summary>
    Revert,

    /// <summary>A cherry-pick moved a branch head; <see cref="AuditRecord.Detail"/> is the picked commit as given.</summary>
    CherryPick,

    /// <summary>A whole-branch reset dropped the branch's uncommitted changes (the head stays).</summary>
    Reset,

    /// <summary>A branch was created; <see cref="AuditRecord.Detail"/> is the ref it was created from.</summary>
    CreateBranch,

    /// <summary>A branch was deleted.</summary>
    DeleteBranch,

    /// <summary>A tag was created; <see cref="AuditRecord.Detail"/> is the ref it names as given.</summary>
    CreateTag,

    /// <summary>A tag was deleted.</summary>
    DeleteTag,

    /// <summary>A branch-protection rule was added; <see cref="AuditRecord.Ref"/> is its pattern.</summary>
    ProtectBranches,

    /// <summary>A branch-protection rule was removed; <see cref="AuditRecord.Ref"/> is its pattern.</summary>
    UnprotectBranches,

    /// <summary>A hook ran (<see cref="AuditRecord.Hook"/>), whether or not its operation then happened.</summary>
    HookRun,
}
