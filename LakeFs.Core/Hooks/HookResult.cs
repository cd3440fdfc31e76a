namespace LakeFs.Core.Hooks;

/// <summary>What a hook decided: <see cref="Success"/>, or <see cref="Fail"/> with a reason (which stops a pre-hook's operation).</summary>
public sealed record HookResult
{
    /// <summary>True when the hook lets the operation through.</summary>
    public required bool Succeeded { get; init; }

    /// <summary>Why the hook failed, for the caller's <see cref="Errors.HookFailedException"/>; null on success.</summary>
    public required string? Reason { get; init; }

    /// <summary>The hook lets the operation through.</summary>
    public static HookResult Success { get; } = new() { Succeeded = true, Reason = null };

    /// <summary>The hook stops the operation (a pre-hook) or reports a problem (a post-hook).</summary>
    /// <param name="reason">Why, in words the caller can act on: "row 17 of sales.csv has 3 columns, 4 expected".</param>
    public static HookResult Fail(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new() { Succeeded = false, Reason = reason };
    }
}
