using LakeFs.Core.Model;

namespace LakeFs.Core.Refs;

/// <summary>The audit actions that record a branch head's value: what a ref by time (<c>branch@{time}</c>) reads.</summary>
internal static class HeadMoves
{
    /// <summary>Every action whose record gives a branch's head after it (<see cref="AuditRecord.After"/>; null for a delete).</summary>
    public static readonly AuditAction[] Actions =
    [
        AuditAction.Commit, AuditAction.Merge, AuditAction.Revert, AuditAction.CherryPick, AuditAction.Reset,
        AuditAction.CreateBranch, AuditAction.DeleteBranch,
    ];

    public static bool Contains(AuditAction action) => Array.IndexOf(Actions, action) >= 0;
}
