using Microsoft.Extensions.Logging;

namespace LakeFs.Core.Diagnostics;

/// <summary>
/// Every log message of LakeFs.Core, source-generated (no boxing, no template parsing per call, nothing formatted when
/// the level is off). Event ids are stable: 1xxx repository operations, 2xxx hooks and audit, 3xxx garbage collection,
/// 4xxx storage checks.
/// </summary>
internal static partial class CoreLog
{
    [LoggerMessage(1001, LogLevel.Information, "Created branch {Branch} at {Commit}")]
    public static partial void BranchCreated(this ILogger logger, string branch, string commit);

    [LoggerMessage(1002, LogLevel.Information, "Deleted branch {Branch}")]
    public static partial void BranchDeleted(this ILogger logger, string branch);

    [LoggerMessage(1003, LogLevel.Debug, "Head of {Branch} moved during {Operation} (another process or repository instance); trying again in {Wait} ms (attempt {Attempt})")]
    public static partial void HeadMoved(this ILogger logger, string branch, string operation, double wait, int attempt);

    [LoggerMessage(1004, LogLevel.Information, "Committed {Commit} on {Branch}: {Changes} changes, {Written} ranges written, {Reused} reused")]
    public static partial void Committed(this ILogger logger, string commit, string branch, long changes, int written, int reused);

    [LoggerMessage(1005, LogLevel.Debug, "Merging {Source} into {Branch}: {Bases} best common ancestors, merged into a virtual base in {Merges} merges")]
    public static partial void VirtualBase(this ILogger logger, string source, string branch, int bases, int merges);

    [LoggerMessage(1006, LogLevel.Information, "Fast-forwarded {Branch} to {Commit}")]
    public static partial void FastForwarded(this ILogger logger, string branch, string commit);

    [LoggerMessage(1007, LogLevel.Information, "Merged {Source} into {Branch} as {Commit}: {Changes} changes")]
    public static partial void Merged(this ILogger logger, string source, string branch, string commit, long changes);

    [LoggerMessage(1008, LogLevel.Information, "Applied {Verb} of {Target} on {Branch} as {Commit}")]
    public static partial void Applied(this ILogger logger, string verb, string target, string branch, string commit);

    [LoggerMessage(1009, LogLevel.Information, "Imported {Objects} objects ({Bytes} bytes) from {Source} into '{Destination}' on {Branch}: commit {Commit}")]
    public static partial void Imported(this ILogger logger, long objects, long bytes, string source, string destination, string branch, string commit);

    [LoggerMessage(1010, LogLevel.Information, "Branches matching {Pattern} are protected")]
    public static partial void Protected(this ILogger logger, string pattern);

    [LoggerMessage(1011, LogLevel.Information, "Branches matching {Pattern} were protected already")]
    public static partial void ProtectedAlready(this ILogger logger, string pattern);

    [LoggerMessage(1012, LogLevel.Information, "Branches matching {Pattern} are no longer protected")]
    public static partial void Unprotected(this ILogger logger, string pattern);

    [LoggerMessage(1013, LogLevel.Information, "Retention rules set: {Rules}")]
    public static partial void RetentionSet(this ILogger logger, string rules);

    [LoggerMessage(2001, LogLevel.Warning, "Hook {Hook} ({Event}) stopped the {Operation} '{Ref}': {Reason}")]
    public static partial void HookStopped(this ILogger logger, Exception? error, string hook, Hooks.HookEvent @event, string operation, string @ref, string? reason);

    [LoggerMessage(2002, LogLevel.Warning, "Hook {Hook} ({Event}) failed after the {Operation} '{Ref}' (which stands): {Reason}")]
    public static partial void PostHookFailed(this ILogger logger, Exception? error, string hook, Hooks.HookEvent @event, string operation, string @ref, string? reason);

    [LoggerMessage(2003, LogLevel.Error, "Could not record {Count} hook runs in the audit log")]
    public static partial void AuditWriteFailed(this ILogger logger, Exception error, int count);

    [LoggerMessage(3001, LogLevel.Information, "Garbage collection{DryRun}: {Expired} commits expired, {Kept} kept; {Swept} partitions swept, {Skipped} skipped; {Deleted} objects ({Bytes} bytes), {Ranges} ranges and {MetaRanges} metaranges deleted in {Duration}")]
    public static partial void GcFinished(this ILogger logger, string dryRun, long expired, long kept, int swept, int skipped, long deleted, long bytes, long ranges, long metaRanges, TimeSpan duration);

    [LoggerMessage(3002, LogLevel.Warning, "Unused range {Range} cannot be read; every partition is swept")]
    public static partial void GcUnreadableRange(this ILogger logger, Exception error, string range);

    [LoggerMessage(4001, LogLevel.Warning, "Could not write the storage check object {Key}; the store's integrity was not checked at open")]
    public static partial void ProbeWriteFailed(this ILogger logger, Exception error, string key);

    [LoggerMessage(4002, LogLevel.Warning, "Could not delete the storage check object {Key}")]
    public static partial void ProbeDeleteFailed(this ILogger logger, Exception error, string key);
}
