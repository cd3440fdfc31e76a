namespace LakeFs.Core.Verification;

/// <summary>One data object to check, with where it was found (for the report).</summary>
internal sealed record ObjectCheck(string Address, long Size, string Checksum, string Path, string? CommitId, string? Ref);
