namespace LakeFs.Core.Model;

/// <summary>Whether a merge may just move the destination's head when the destination is an ancestor of the source.</summary>
public enum FastForward
{
    /// <summary>Move the head when possible, otherwise create a merge commit (default, like git).</summary>
    Allowed,

    /// <summary>Always create a merge commit (like lakeFS).</summary>
    Never,

    /// <summary>Only fast-forward; fail with <see cref="Errors.ConflictException"/> when it is not possible.</summary>
    Only,
}
