namespace LakeFs.Core.Refs;

/// <summary>
/// One asynchronous lock per branch name, for the updates of one process: updates of a branch run one after the
/// other instead of racing to its compare-and-swap, so within a process none is ever redone. Gates exist only while
/// held or awaited.
/// </summary>
internal sealed class BranchGates
{
    private readonly Dictionary<string, Gate> _gates = new(StringComparer.Ordinal);

    /// <summary>Waits for the branch's gate; dispose the result to leave it.</summary>
    public async ValueTask<IDisposable> EnterAsync(string branch, CancellationToken cancellationToken)
    {
        Gate gate;
        lock (_gates)
        {
            if (!_gates.TryGetValue(branch, out gate!))
            {
                _gates[branch] = gate = new Gate(this, branch);
            }
            gate.Users++;
        }
        try
        {
            await gate.Semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Forget(gate);
            throw;
        }
        return gate;
    }

    private void Forget(Gate gate)
    {
        lock (_gates)
        {
            if (--gate.Users == 0)
            {
                _gates.Remove(gate.Branch);
                gate.Semaphore.Dispose();
            }
        }
    }

    private sealed class Gate(BranchGates owner, string branch) : IDisposable
    {
        public string Branch { get; } = branch;

        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        /// <summary>Holders and waiters; guarded by the owner's dictionary.</summary>
        public int Users { get; set; }

        public void Dispose()
        {
            Semaphore.Release();
            owner.Forget(this);
        }
    }
}
