using LakeFs.Core.Hooks;

namespace LakeFs.Core.Errors;

/// <summary>
/// A pre-hook stopped the operation: it returned a failure, threw, or ran past its timeout. Nothing changed: the
/// head did not move and no ref was created or deleted.
/// </summary>
public sealed class HookFailedException : LakeFsException
{
    /// <summary>Creates the exception for a hook's failure.</summary>
    /// <param name="hook">The hook's registered name.</param>
    /// <param name="event">The event it ran for.</param>
    /// <param name="reason">Why it failed.</param>
    /// <param name="message">The whole message.</param>
    /// <param name="innerException">What the hook threw, if it threw.</param>
    public HookFailedException(string hook, HookEvent @event, string reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Hook = hook;
        Event = @event;
        Reason = reason;
    }

    /// <summary>The name the failing hook was registered with.</summary>
    public string Hook { get; }

    /// <summary>The event it ran for.</summary>
    public HookEvent Event { get; }

    /// <summary>Why it failed: its reason, its exception's message, or its timeout.</summary>
    public string Reason { get; }
}
