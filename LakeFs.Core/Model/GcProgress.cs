namespace LakeFs.Core.Model;

/// <summary>How far <see cref="Repository.CollectGarbageAsync"/> has come; reported through an <see cref="IProgress{T}"/>.</summary>
/// <param name="Phase">The current phase.</param>
/// <param name="CommitsKept">Commits retention keeps, found so far.</param>
/// <param name="CommitsExpired">Commits marked expired (in a dry run: that would be).</param>
/// <param name="RangesRead">Range files read, each once however many commits share it.</param>
/// <param name="AddressesMarked">Data addresses marked as in use in the partitions being swept.</param>
/// <param name="ObjectsListed">Data objects listed in the partitions being swept.</param>
/// <param name="ObjectsDeleted">Data objects deleted (in a dry run: that would be).</param>
/// <param name="BytesDeleted">Their bytes.</param>
public sealed record GcProgress(
    GcPhase Phase, long CommitsKept, long CommitsExpired, long RangesRead, long AddressesMarked, long ObjectsListed, long ObjectsDeleted, long BytesDeleted);
