namespace LakeFs.Core.Hooks;

/// <summary>
/// The branches whose update gate the current asynchronous flow holds while pre-hooks run: a hook (which runs in
/// that flow) that tries to update one of them would wait for itself, so the inner update fails at once instead. Set
/// only around pre-hooks, so an operation with no hook never writes it; keyed by the ref store too, since two
/// repositories may each have a "main".
/// </summary>
internal static class HookScope
{
    private static readonly AsyncLocal<Held?> Current = new();

    /// <summary>Marks the branch held for the rest of the calling async method (an async method restores the value on return).</summary>
    public static void Enter(string store, string branch) => Current.Value = new Held(store, branch, Current.Value);

    /// <summary>Whether the current flow holds the branch's gate (the common case, no hook running, reads one null).</summary>
    public static bool Holds(string store, string branch)
    {
        for (var held = Current.Value; held is not null; held = held.Outer)
        {
            if (held.Branch == branch && held.Store == store)
            {
                return true;
            }
        }
        return false;
    }

    private sealed record Held(string Store, string Branch, Held? Outer);
}
