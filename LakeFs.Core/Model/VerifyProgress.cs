namespace LakeFs.Core.Model;

/// <summary>How far <see cref="Repository.VerifyAsync"/> has come; reported through an <see cref="IProgress{T}"/>.</summary>
public sealed record VerifyProgress
{
    /// <summary>Commits read and checked.</summary>
    public required long Commits { get; init; }

    /// <summary>Metaranges (trees of commits) read and checked, each once.</summary>
    public required long MetaRanges { get; init; }

    /// <summary>Range files read and checked, each once however many commits share it.</summary>
    public required long Ranges { get; init; }

    /// <summary>Entries read from those ranges and from staging areas.</summary>
    public required long Entries { get; init; }

    /// <summary>Distinct data objects checked in the object store.</summary>
    public required long Objects { get; init; }

    /// <summary>Problems found so far.</summary>
    public required long Problems { get; init; }
}
