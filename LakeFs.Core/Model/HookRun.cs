using LakeFs.Core.Hooks;

namespace LakeFs.Core.Model;

/// <summary>One run of a hook.</summary>
/// <param name="Hook">The name the hook was registered with.</param>
/// <param name="Event">The event it ran for.</param>
/// <param name="Ref">The branch or tag the operation was about.</param>
/// <param name="Succeeded">Whether it returned success within its timeout.</param>
/// <param name="Reason">Why it failed (its reason, its exception's message, or its timeout); null on success.</param>
/// <param name="Duration">How long it ran (by the repository's <see cref="TimeProvider"/>).</param>
public sealed record HookRun(string Hook, HookEvent Event, string Ref, bool Succeeded, string? Reason, TimeSpan Duration);
