namespace LakeFs.Core.Model;

/// <summary>How far an import has come: objects listed from the source and taken into the new tree so far.</summary>
/// <param name="Objects">Objects listed so far.</param>
/// <param name="Bytes">Their bytes (sizes from the listing; nothing is read or copied).</param>
public sealed record ImportProgress(long Objects, long Bytes);
