using LakeFs.Core.Model;

namespace LakeFs.Core.Hooks;

/// <summary>
/// What a hook sees: the operation, the refs it touches and the state it is about to create (a pre-hook) or created
/// (a post-hook). For a head move (commit, merge, revert, cherry-pick) a pre-hook's <see cref="CandidateId"/> is a
/// commit already readable as a ref — <c>repo.StatObjectAsync(context.CandidateId, path)</c>,
/// <c>repo.OpenReadAsync(context.CandidateId, path)</c>, <c>repo.DiffAsync(context.HeadId, context.CandidateId)</c> —
/// while readers of the branch still see <see cref="HeadId"/> until the operation ends. If the operation stops, the
/// candidate stays an unreferenced commit: nothing reads it unless given its id.
/// </summary>
public sealed class HookContext
{
    private readonly Func<CancellationToken, IAsyncEnumerable<Change>> _changes;

    internal HookContext(
        HookEvent @event, string hookName, Repository repository, string? branch, string? tag, string? source,
        string? headId, Commit? candidate, string? message, string committer, IReadOnlyDictionary<string, string> metadata,
        Func<CancellationToken, IAsyncEnumerable<Change>> changes)
    {
        Event = @event;
        HookName = hookName;
        Repository = repository;
        Branch = branch;
        Tag = tag;
        Source = source;
        HeadId = headId;
        Candidate = candidate;
        Message = message;
        Committer = committer;
        Metadata = metadata;
        _changes = changes;
    }

    /// <summary>The event the hook runs for.</summary>
    public HookEvent Event { get; }

    /// <summary>The name the hook was registered with.</summary>
    public string HookName { get; }

    /// <summary>The repository, to read the candidate and anything else (a pre-hook must not move the head it guards; see <see cref="Errors.HookReentrancyException"/>).</summary>
    public Repository Repository { get; }

    /// <summary>The branch the operation updates, creates or deletes (the destination of a merge); null for tag events.</summary>
    public string? Branch { get; }

    /// <summary>The tag a tag event creates or deletes; null otherwise.</summary>
    public string? Tag { get; }

    /// <summary>
    /// Where the change comes from, as the caller gave it: the source ref of a merge, the commit a revert or cherry-pick
    /// applies, the ref a branch or tag is created from; null otherwise.
    /// </summary>
    public string? Source { get; }

    /// <summary>The commit the branch or tag points at before the operation; null when it does not exist yet.</summary>
    public string? HeadId { get; }

    /// <summary>
    /// The commit the branch or tag points at after the operation (for a pre-hook: will point at, if the hooks let it):
    /// the new commit, the fast-forward target, the head itself for a reset, the commit a new ref names. Null when the
    /// operation deletes the ref.
    /// </summary>
    public string? CandidateId => Candidate?.Id;

    /// <summary>The commit <see cref="CandidateId"/> names; null when the operation deletes the ref.</summary>
    public Commit? Candidate { get; }

    /// <summary>The message of the commit the operation creates; null when it creates none (fast-forward, reset, ref events).</summary>
    public string? Message { get; }

    /// <summary>Who performs the operation: the committer of its commit, else the repository's <see cref="RepositoryOptions.Committer"/>.</summary>
    public string Committer { get; }

    /// <summary>The metadata of the commit the operation creates (empty when it creates none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// What the operation changes, in path order, read lazily as the hook enumerates: from <see cref="HeadId"/> to
    /// <see cref="CandidateId"/> for head moves (a post-hook: what it changed), the uncommitted changes it drops for a
    /// pre-reset; empty for ref events and after a reset.
    /// </summary>
    public IAsyncEnumerable<Change> GetChangesAsync(CancellationToken cancellationToken = default) => _changes(cancellationToken);
}
