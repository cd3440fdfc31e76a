namespace LakeFs.Core.Model;

/// <summary>How far an import has come: objects listed from the source and taken into the new tree so far.</summary>
public sealed record ImportProgress
{
    /// <summary>Objects listed so far.</summary>
    public required long Objects { get; init; }

    /// <summary>Their bytes (sizes from the listing; nothing is read or copied).</summary>
    public required long Bytes { get; init; }
}
