namespace LakeFs.Core.Model;

/// <summary>What a merge does with a path both sides changed differently.</summary>
public enum MergeStrategy
{
    /// <summary>Fail with <see cref="Errors.MergeConflictException"/> listing every conflict; nothing changes (default).</summary>
    Fail,

    /// <summary>Take the source's version of every conflicting path.</summary>
    SourceWins,

    /// <summary>Keep the destination's version of every conflicting path.</summary>
    DestinationWins,
}
