namespace LakeFs.Core.Model;

/// <summary>How far <see cref="Repository.VerifyAsync"/> has come; reported through an <see cref="IProgress{T}"/>.</summary>
/// <param name="Commits">Commits read and checked.</param>
/// <param name="MetaRanges">Metaranges (trees of commits) read and checked, each once.</param>
/// <param name="Ranges">Range files read and checked, each once however many commits share it.</param>
/// <param name="Entries">Entries read from those ranges and from staging areas.</param>
/// <param name="Objects">Distinct data objects checked in the object store.</param>
/// <param name="Problems">Problems found so far.</param>
public sealed record VerifyProgress(long Commits, long MetaRanges, long Ranges, long Entries, long Objects, long Problems);
