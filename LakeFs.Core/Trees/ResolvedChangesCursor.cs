using System.Diagnostics;

namespace LakeFs.Core.Trees;

/// <summary>
/// Turns merge steps into the change stream a <see cref="TreeBuilder"/> applies to the destination: plain steps
/// apply the source side; a conflict applies what <c>resolve</c> returns for it (nothing when the destination
/// wins or the conflict stays unresolved). Steps inside ranges taken whole (<paramref name="taken"/>) are
/// already in the tree and are dropped; the destination never changed those spans, so none is a conflict.
/// </summary>
internal sealed class ResolvedChangesCursor(IAsyncEnumerable<ThreeWayDifference> steps, Func<ThreeWayDifference, (bool Apply, byte[]? Value)> resolve, RangeReplacements taken) : EntryCursor
{
    private readonly IAsyncEnumerator<ThreeWayDifference> _steps = steps.GetAsyncEnumerator();
    private byte[] _key = [];
    private ReadOnlyMemory<byte>? _value;

    public override ReadOnlyMemory<byte> Key => _key;

    public override ReadOnlyMemory<byte> Value => _value ?? default;

    public override bool IsTombstone => _value is null;

    public override async ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken)
    {
        while (await _steps.MoveNextAsync().ConfigureAwait(false))
        {
            var step = _steps.Current;
            if (taken.Drop(step.Key))
            {
                Debug.Assert(!step.IsConflict, "A taken range lies where the destination changed nothing.");
                continue;
            }
            if (!step.IsConflict)
            {
                (_key, _value) = (step.Key, step.Source);
                return true;
            }
            var (apply, value) = resolve(step);
            if (apply)
            {
                _key = step.Key;
                _value = value is null ? (ReadOnlyMemory<byte>?)null : value;
                return true;
            }
        }
        return false;
    }

    public override ValueTask DisposeAsync() => _steps.DisposeAsync();
}
