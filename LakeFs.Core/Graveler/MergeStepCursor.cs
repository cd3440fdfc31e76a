namespace LakeFs.Core.Graveler;

/// <summary>
/// Turns merge steps into the change stream a <see cref="TreeBuilder"/> applies to the destination:
/// plain steps apply the source side; conflicts apply their resolution (or nothing when the destination wins).
/// </summary>
internal sealed class MergeStepCursor(IAsyncEnumerable<MergeStep> steps, IReadOnlyDictionary<string, byte[]?> resolutions) : EntryCursor
{
    private readonly IAsyncEnumerator<MergeStep> _steps = steps.GetAsyncEnumerator();
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
            if (!step.IsConflict)
            {
                (_key, _value) = (step.Key, step.Source);
                return true;
            }
            // Conflicts missing from the resolutions are the ones the destination wins: nothing to apply.
            if (resolutions.TryGetValue(Repository.Utf8(step.Key), out var resolved))
            {
                _key = step.Key;
                _value = resolved is null ? (ReadOnlyMemory<byte>?)null : resolved;
                return true;
            }
        }
        return false;
    }

    public override ValueTask DisposeAsync() => _steps.DisposeAsync();
}
