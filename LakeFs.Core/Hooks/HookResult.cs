namespace LakeFs.Core.Hooks;

/// <summary>What a hook decided: <see cref="Success"/>, or <see cref="Fail"/> with a reason (which stops a pre-hook's operation).</summary>
/// <param name="Succeeded">True when the hook lets the operation through.</param>
/// <param name="Reason">Why the hook failed, for the caller's <see cref="Errors.HookFailedException"/>; null on success.</param>
public sealed record HookResult(bool Succeeded, string? Reason)
{
    /// <summary>The hook lets the operation through.</summary>
    public static HookResult Success { get; } = new(true, null);

    /// <summary>The hook stops the operation (a pre-hook) or reports a problem (a post-hook).</summary>
    /// <param name="reason">Why, in words the caller can act on: "row 17 of sales.csv has 3 columns, 4 expected".</param>
    public static HookResult Fail(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new(false, reason);
    }
}
