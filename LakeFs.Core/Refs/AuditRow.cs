using LakeFs.Core.Errors;
using LakeFs.Core.Model;

namespace LakeFs.Core.Refs;

/// <summary>
/// One audit record as a ref store keeps it: the columns both stores have, read as stored (the hook columns are null
/// on a record that is no hook run), and the checks that turn them into an <see cref="AuditRecord"/>.
/// </summary>
internal readonly record struct AuditRow(
    long Sequence,
    long TimeTicks,
    string Actor,
    string Action,
    string Ref,
    string? Before,
    string? After,
    string? Detail,
    string? Hook,
    string? HookEvent,
    bool? HookSucceeded,
    long? HookDurationTicks)
{
    /// <summary>The record; a hook run's failure reason is the row's detail.</summary>
    /// <param name="store">The store as a message starts with it ("The ref store '…'").</param>
    /// <exception cref="CorruptDataException">A time, action or hook field is out of range or missing.</exception>
    public AuditRecord ToRecord(string store)
    {
        if (TimeTicks < DateTimeOffset.MinValue.UtcTicks || TimeTicks > DateTimeOffset.MaxValue.UtcTicks
            || !Enum.TryParse<AuditAction>(Action, out var action))
        {
            throw new CorruptDataException($"{store} is damaged: audit record {Sequence} has a time or action out of range.");
        }
        HookRun? hook = null;
        if (Hook is not null)
        {
            if (!Enum.TryParse<Hooks.HookEvent>(HookEvent, out var hookEvent) || HookSucceeded is not { } succeeded || HookDurationTicks is not { } duration)
            {
                throw new CorruptDataException($"{store} is damaged: audit record {Sequence} names no hook event or result.");
            }
            hook = new HookRun
            {
                Hook = Hook,
                Event = hookEvent,
                Ref = Ref,
                Succeeded = succeeded,
                Reason = succeeded ? null : Detail,
                Duration = TimeSpan.FromTicks(duration),
            };
        }
        return new AuditRecord
        {
            Sequence = Sequence,
            Time = new DateTimeOffset(TimeTicks, TimeSpan.Zero),
            Actor = Actor,
            Action = action,
            Ref = Ref,
            Before = Before,
            After = After,
            Detail = hook is null ? Detail : null,
            Hook = hook,
        };
    }
}
