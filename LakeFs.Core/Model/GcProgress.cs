namespace LakeFs.Core.Model;

/// <summary>How far <see cref="Repository.CollectGarbageAsync"/> has come; reported through an <see cref="IProgress{T}"/>.</summary>
public sealed record GcProgress
{
    /// <summary>The current phase.</summary>
    public required GcPhase Phase { get; init; }

    /// <summary>Commits retention keeps, found so far.</summary>
    public required long CommitsKept { get; init; }

    /// <summary>Commits marked expired (in a dry run: that would be).</summary>
    public required long CommitsExpired { get; init; }

    /// <summary>Range files read, each once however many commits share it.</summary>
    public required long RangesRead { get; init; }

    /// <summary>Data addresses marked as in use in the partitions being swept.</summary>
    public required long AddressesMarked { get; init; }

    /// <summary>Data objects listed in the partitions being swept.</summary>
    public required long ObjectsListed { get; init; }

    /// <summary>Data objects deleted (in a dry run: that would be).</summary>
    public required long ObjectsDeleted { get; init; }

    /// <summary>Their bytes.</summary>
    public required long BytesDeleted { get; init; }
}
