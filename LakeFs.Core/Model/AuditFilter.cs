namespace LakeFs.Core.Model;

/// <summary>Which audit records <see cref="Repository.GetAuditLogAsync"/> returns; every condition given must hold.</summary>
public sealed record AuditFilter
{
    /// <summary>Only records of this branch or tag (exact name).</summary>
    public string? Ref { get; init; }

    /// <summary>Only records at or after this time.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Only records before this time.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Only records of this action.</summary>
    public AuditAction? Action { get; init; }

    /// <summary>Only records after this sequence number: pass the last one read to continue where a read stopped.</summary>
    public long? AfterSequence { get; init; }
}
