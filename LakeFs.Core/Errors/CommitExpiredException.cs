namespace LakeFs.Core.Errors;

/// <summary>
/// The commit was expired by garbage collection (<see cref="Repository.CollectGarbageAsync"/>): it fell outside every
/// retention window and no branch or tag kept it, so its tree and the objects only it used may be deleted. Its id,
/// parents and message stay in the ref store (the history of later commits still names it), but its content cannot be
/// read, and no branch or tag can be made to point at it. Read a later commit, or keep commits longer with
/// <see cref="Repository.SetRetentionAsync"/> or a tag.
/// </summary>
public sealed class CommitExpiredException : NotFoundException
{
    /// <summary>Creates the exception with a message.</summary>
    public CommitExpiredException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public CommitExpiredException(string message, Exception? innerException) : base(message, innerException) { }

    /// <summary>Creates the exception for an expired commit.</summary>
    /// <param name="message">The whole message.</param>
    /// <param name="commitId">The expired commit.</param>
    public CommitExpiredException(string message, string commitId) : base(message) => CommitId = commitId;

    /// <summary>The expired commit's id, when known.</summary>
    public string? CommitId { get; }
}
