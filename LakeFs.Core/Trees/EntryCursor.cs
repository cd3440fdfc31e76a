namespace LakeFs.Core.Trees;

/// <summary>
/// A forward cursor over (key, encoded entry) pairs in key order. A staging cursor also yields tombstones
/// (<see cref="IsTombstone"/>, empty <see cref="Value"/>). <see cref="Key"/> is valid until the next move.
/// </summary>
internal abstract class EntryCursor : IAsyncDisposable
{
    public abstract ReadOnlyMemory<byte> Key { get; }

    public abstract ReadOnlyMemory<byte> Value { get; }

    public abstract bool IsTombstone { get; }

    public abstract ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken);

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
