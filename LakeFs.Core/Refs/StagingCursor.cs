using LakeFs.Core.Trees;

namespace LakeFs.Core.Refs;

/// <summary>The rows of one staging area from a start path, in path (byte) order, as a cursor; a null entry is a tombstone.</summary>
internal sealed class StagingCursor(IAsyncEnumerable<StagedRow> rows, CancellationToken cancellationToken) : EntryCursor
{
    private readonly IAsyncEnumerator<StagedRow> _rows = rows.GetAsyncEnumerator(cancellationToken);
    private byte[] _key = [];
    private byte[]? _value;

    public StagingCursor(IRefStore refs, long token, byte[] start, CancellationToken cancellationToken)
        : this(refs.ScanStagedAsync(token, start, cancellationToken), cancellationToken)
    {
    }

    public override ReadOnlyMemory<byte> Key => _key;

    public override ReadOnlyMemory<byte> Value => _value;

    public override bool IsTombstone => _value is null;

    public override async ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!await _rows.MoveNextAsync().ConfigureAwait(false))
        {
            return false;
        }
        (_key, _value) = (_rows.Current.Path, _rows.Current.Entry);
        return true;
    }

    public override ValueTask DisposeAsync() => _rows.DisposeAsync();
}
