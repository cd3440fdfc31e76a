using LakeFs.Core.Model;

namespace LakeFs.Core.Errors;

/// <summary>A merge, revert or cherry-pick met paths changed differently on both sides. Nothing was changed.</summary>
public sealed class MergeConflictException : ConflictException
{
    /// <summary>Creates the exception listing every conflict.</summary>
    public MergeConflictException(string message, IReadOnlyList<Conflict> conflicts) : base(message)
    {
        Conflicts = conflicts;
    }

    /// <summary>Creates the exception with a message.</summary>
    public MergeConflictException(string message) : this(message, []) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public MergeConflictException(string message, Exception? innerException) : base(message, innerException)
    {
        Conflicts = [];
    }

    /// <summary>Every conflicting path, in path order, with the base, source and destination objects.</summary>
    public IReadOnlyList<Conflict> Conflicts { get; }
}
