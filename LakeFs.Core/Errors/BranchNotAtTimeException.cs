namespace LakeFs.Core.Errors;

/// <summary>
/// A ref by time (<c>branch@{2026-11-30T12:00:00Z}</c>) names an instant at which the branch had no recorded head: it
/// did not exist yet, its history starts later in the audit log (<see cref="FirstRecorded"/>), or it was deleted then.
/// </summary>
public sealed class BranchNotAtTimeException : RefNotFoundException
{
    /// <summary>Creates the exception with a message.</summary>
    public BranchNotAtTimeException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public BranchNotAtTimeException(string message, Exception? innerException) : base(message, innerException) { }

    /// <summary>Creates the exception for a branch and an instant.</summary>
    /// <param name="message">The whole message.</param>
    /// <param name="branch">The branch named.</param>
    /// <param name="time">The instant asked for.</param>
    /// <param name="firstRecorded">When the branch's first recorded head move happened; null when none is recorded.</param>
    public BranchNotAtTimeException(string message, string branch, DateTimeOffset time, DateTimeOffset? firstRecorded) : base(message)
    {
        Branch = branch;
        Time = time;
        FirstRecorded = firstRecorded;
    }

    /// <summary>The branch the ref named.</summary>
    public string? Branch { get; }

    /// <summary>The instant the ref named.</summary>
    public DateTimeOffset? Time { get; }

    /// <summary>The time of the branch's first recorded head move (its creation, when recorded); null when none is recorded.</summary>
    public DateTimeOffset? FirstRecorded { get; }
}
