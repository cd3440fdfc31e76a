using LakeFs.Core.Trees;

namespace LakeFs.Core.Import;

/// <summary>
/// A tombstone for every committed entry under a prefix: below a <see cref="SourceCursor"/> in an
/// <see cref="OverlayCursor"/>, it deletes what the source no longer has, so an import replaces the prefix.
/// </summary>
internal sealed class PrefixTombstones(TreeStore trees, MetaRange tree, byte[] prefix) : EntryCursor
{
    private readonly TreeCursor _tree = new(trees, tree, prefix);

    public override ReadOnlyMemory<byte> Key => _tree.Key;

    public override ReadOnlyMemory<byte> Value => ReadOnlyMemory<byte>.Empty;

    public override bool IsTombstone => true;

    public override async ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken) =>
        await _tree.MoveNextAsync(cancellationToken).ConfigureAwait(false) && _tree.Key.Span.StartsWith(prefix);

    public override ValueTask DisposeAsync() => _tree.DisposeAsync();
}
