namespace LakeFs.Core.Refs;

/// <summary>
/// One staged write: an entry (or a tombstone when <see cref="Entry"/> is null) for a path on a branch.
/// With <see cref="IfAbsentAtHead"/> set, the write only happens when the branch head is still that commit
/// and nothing live is staged at the path (the caller checked the committed side at that head).
/// </summary>
internal sealed record StageRequest(string Branch, byte[] Path, byte[]? Entry, string? IfAbsentAtHead = null)
{
    public TaskCompletionSource<StageResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
