namespace LakeFs.Core.Model;

/// <summary>The kinds of <see cref="ConflictResolution"/>.</summary>
public enum ConflictChoice
{
    /// <summary>The source side wins.</summary>
    Source,

    /// <summary>The destination side wins.</summary>
    Destination,

    /// <summary>A custom object (or a deletion) wins.</summary>
    Custom,
}
