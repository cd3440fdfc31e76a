namespace LakeFs.Core.Model;

/// <summary>What <see cref="Repository.CollectGarbageAsync"/> is doing (see <see cref="GcProgress"/>).</summary>
public enum GcPhase
{
    /// <summary>Walking from branch heads and tags to find the commits retention keeps, and marking the others expired.</summary>
    Expiring,

    /// <summary>Reading the ranges of kept commits and the staged entries, marking the data addresses they use.</summary>
    Marking,

    /// <summary>Listing hour partitions of data objects and deleting those nothing marked.</summary>
    SweepingObjects,

    /// <summary>Deleting range and metarange files no kept commit uses.</summary>
    SweepingTrees,

    /// <summary>Finished.</summary>
    Done,
}
