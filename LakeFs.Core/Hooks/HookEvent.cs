namespace LakeFs.Core.Hooks;

/// <summary>
/// When a hook runs: before (<c>Pre…</c>) or after (<c>Post…</c>) an operation. A pre-hook can stop the operation;
/// a post-hook only sees what happened.
/// </summary>
public enum HookEvent
{
    /// <summary>Before a commit moves the branch head; the candidate commit is readable.</summary>
    PreCommit,

    /// <summary>After a commit.</summary>
    PostCommit,

    /// <summary>Before a merge moves the destination head, after conflict detection; the candidate (merge commit or fast-forward target) is readable.</summary>
    PreMerge,

    /// <summary>After a merge.</summary>
    PostMerge,

    /// <summary>Before a revert moves the branch head; the candidate commit is readable.</summary>
    PreRevert,

    /// <summary>After a revert.</summary>
    PostRevert,

    /// <summary>Before a cherry-pick moves the branch head; the candidate commit is readable.</summary>
    PreCherryPick,

    /// <summary>After a cherry-pick.</summary>
    PostCherryPick,

    /// <summary>Before a reset of a whole branch drops its uncommitted changes (<see cref="HookContext.GetChangesAsync"/> lists them).</summary>
    PreReset,

    /// <summary>After a reset of a whole branch.</summary>
    PostReset,

    /// <summary>Before a branch is created.</summary>
    PreCreateBranch,

    /// <summary>After a branch is created.</summary>
    PostCreateBranch,

    /// <summary>Before a branch is deleted.</summary>
    PreDeleteBranch,

    /// <summary>After a branch is deleted.</summary>
    PostDeleteBranch,

    /// <summary>Before a tag is created.</summary>
    PreCreateTag,

    /// <summary>After a tag is created.</summary>
    PostCreateTag,

    /// <summary>Before a tag is deleted.</summary>
    PreDeleteTag,

    /// <summary>After a tag is deleted.</summary>
    PostDeleteTag,
}
