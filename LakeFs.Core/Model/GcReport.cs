namespace LakeFs.Core.Model;

/// <summary>What one run of <see cref="Repository.CollectGarbageAsync"/> did (in a dry run: would have done).</summary>
public sealed record GcReport
{
    /// <summary>Whether nothing was changed.</summary>
    public bool DryRun { get; init; }

    /// <summary>Commits retention keeps (branch heads, tagged commits, commits within a branch's window and the first past it, commits made during the run).</summary>
    public long CommitsKept { get; init; }

    /// <summary>Commits this run marked expired.</summary>
    public long CommitsExpired { get; init; }

    /// <summary>Range files read: those of kept commits (when a partition was swept) and those about to be deleted, each once.</summary>
    public long RangesRead { get; init; }

    /// <summary>Distinct data addresses in use in the partitions swept (an address may count twice when marks spilled to disk).</summary>
    public long AddressesMarked { get; init; }

    /// <summary>Hour partitions of data objects listed and swept.</summary>
    public int PartitionsSwept { get; init; }

    /// <summary>Hour partitions not listed: swept clean by an earlier run, and nothing in them became unreferenced since.</summary>
    public int PartitionsSkipped { get; init; }

    /// <summary>Data objects listed in the partitions swept.</summary>
    public long ObjectsListed { get; init; }

    /// <summary>Data objects deleted (one a retried delete found gone already counts too).</summary>
    public long ObjectsDeleted { get; init; }

    /// <summary>Bytes of the data objects deleted.</summary>
    public long BytesDeleted { get; init; }

    /// <summary>Unreferenced data objects kept because they are younger than the grace period.</summary>
    public long ObjectsWithinGracePeriod { get; init; }

    /// <summary>Range files deleted.</summary>
    public long RangesDeleted { get; init; }

    /// <summary>Metarange files deleted.</summary>
    public long MetaRangesDeleted { get; init; }

    /// <summary>How long the run took (by the repository's <see cref="TimeProvider"/>).</summary>
    public TimeSpan Duration { get; init; }
}
