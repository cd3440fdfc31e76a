using LakeFs.Core.Model;

namespace LakeFs.Core.Refs;

/// <summary>
/// One compare-and-swap of a branch head (<see cref="IRefStore.TryUpdateBranchAsync"/>): from
/// <paramref name="ExpectedHead"/> to <paramref name="NewHead"/>, storing <paramref name="NewCommit"/> with it when the
/// head is a new commit, and retiring the frozen staging areas in <paramref name="Retire"/> (whose rows the new head
/// contains or makes moot). <paramref name="NewHead"/> equal to <paramref name="ExpectedHead"/> only retires.
/// </summary>
internal sealed record BranchUpdate(string Branch, string ExpectedHead, string NewHead, Commit? NewCommit, IReadOnlyCollection<long> Retire)
{
    /// <summary>Appended to the audit log in the same transaction when the update succeeds.</summary>
    public AuditRecord? Audit { get; init; }

    /// <summary>
    /// A partial commit's rows (<see cref="StagedSelection"/>): dropped from their frozen staging areas in the same
    /// transaction, the areas staying frozen with their other rows (those left empty are retired); null for none.
    /// </summary>
    public StagedSelection? Trim { get; init; }
}
