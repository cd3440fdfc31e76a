using LakeFs.Core.Hooks;

namespace LakeFs.Core.Model;

/// <summary>One run of a hook.</summary>
public sealed record HookRun
{
    /// <summary>The name the hook was registered with.</summary>
    public required string Hook { get; init; }

    /// <summary>The event it ran for.</summary>
    public required HookEvent Event { get; init; }

    /// <summary>The branch or tag the operation was about.</summary>
    public required string Ref { get; init; }

    /// <summary>Whether it returned success within its timeout.</summary>
    public required bool Succeeded { get; init; }

    /// <summary>Why it failed (its reason, its exception's message, or its timeout); null on success.</summary>
    public required string? Reason { get; init; }

    /// <summary>How long it ran (by the repository's <see cref="TimeProvider"/>).</summary>
    public required TimeSpan Duration { get; init; }
}
