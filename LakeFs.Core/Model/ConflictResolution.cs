namespace LakeFs.Core.Model;

/// <summary>What a conflict resolver picks for one conflicting path.</summary>
public sealed record ConflictResolution
{
    private ConflictResolution(ConflictChoice choice, ObjectInfo? custom)
    {
        Choice = choice;
        Custom = custom;
    }

    /// <summary>Which side (or a custom object) wins.</summary>
    public ConflictChoice Choice { get; }

    /// <summary>The object to use when <see cref="Choice"/> is <see cref="ConflictChoice.Custom"/>; null deletes the path.</summary>
    public ObjectInfo? Custom { get; }

    /// <summary>Take the source's version.</summary>
    public static ConflictResolution UseSource { get; } = new(ConflictChoice.Source, null);

    /// <summary>Keep the destination's version.</summary>
    public static ConflictResolution UseDestination { get; } = new(ConflictChoice.Destination, null);

    /// <summary>Use another object (for example one of the sides with new metadata, or one written with LinkObjectAsync's address); null deletes the path.</summary>
    public static ConflictResolution Use(ObjectInfo? custom) => new(ConflictChoice.Custom, custom);
}
