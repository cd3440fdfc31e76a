using LakeFs.Core.Diagnostics;
using System.Runtime.CompilerServices;
using LakeFs.Core.Errors;
using LakeFs.Core.Hooks;
using LakeFs.Core.Model;
using LakeFs.Core.Trees;
using Microsoft.Extensions.Logging;

namespace LakeFs.Core;

public sealed partial class Repository
{
    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// The hooks this instance runs around its operations (quality gates): see <see cref="RepositoryHooks"/>.
    /// </summary>
    public RepositoryHooks Hooks { get; } = new();

    /// <summary>
    /// What one operation shows its hooks; built only when a hook applies. <paramref name="Changes"/> is read lazily.
    /// </summary>
    private sealed record HookSubject(
        string? Branch, string? Tag, string? Source, string? HeadId, Commit? Candidate, string? Message, string Committer,
        IReadOnlyDictionary<string, string> Metadata, Func<CancellationToken, IAsyncEnumerable<Change>> Changes)
    {
        public string Ref => Branch ?? Tag ?? "";
    }

    private static IAsyncEnumerable<Change> NoChanges(CancellationToken cancellationToken) => AsyncEnumerable.Empty<Change>();

    /// <summary>
    /// Runs the pre-hooks of <paramref name="event"/> that apply to the subject, in registration order, and throws
    /// <see cref="HookFailedException"/> at the first failure. <paramref name="heldBranch"/>: the branch whose update
    /// gate is held meanwhile, which the hooks must not update (<see cref="HookScope"/>).
    /// </summary>
    private async Task<List<HookRun>> RunPreHooksAsync(HookEvent @event, HookSubject subject, string operation, string? heldBranch, CancellationToken cancellationToken)
    {
        if (heldBranch is not null)
        {
            HookScope.Enter(_refs.Description, heldBranch);
        }
        var runs = new List<HookRun>();
        foreach (var hook in Hooks.For(@event))
        {
            if (!hook.Pattern.IsMatch(subject.Ref))
            {
                continue;
            }
            HookRun run;
            Exception? error;
            try
            {
                (run, error) = await RunHookAsync(hook, subject, rethrowCancellation: true, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await RecordHookRunsAsync(runs, subject.Committer).ConfigureAwait(false);
                throw;
            }
            runs.Add(run);
            if (!run.Succeeded)
            {
                await RecordHookRunsAsync(runs, subject.Committer).ConfigureAwait(false);
                _logger.HookStopped(error, hook.Name, @event, operation, subject.Ref, run.Reason);
                throw new HookFailedException(hook.Name, @event, run.Reason!,
                    $"Hook '{hook.Name}' ({@event}) stopped the {operation} '{subject.Ref}': {run.Reason}. Nothing changed; fix what the hook reports and try again.",
                    error);
            }
        }
        await RecordHookRunsAsync(runs, subject.Committer).ConfigureAwait(false);
        return runs;
    }

    /// <summary>
    /// Runs the post-hooks of <paramref name="event"/> that apply; every one runs, whatever the others did. Failures
    /// are logged and returned (the operation is done and stays done); empty when all succeeded or none applied.
    /// </summary>
    private async Task<IReadOnlyList<HookRun>> RunPostHooksAsync(HookEvent @event, HookSubject subject, string operation, CancellationToken cancellationToken)
    {
        List<HookRun>? failures = null;
        var runs = new List<HookRun>();
        foreach (var hook in Hooks.For(@event))
        {
            if (!hook.Pattern.IsMatch(subject.Ref))
            {
                continue;
            }
            var (run, error) = await RunHookAsync(hook, subject, rethrowCancellation: false, cancellationToken).ConfigureAwait(false);
            runs.Add(run);
            if (!run.Succeeded)
            {
                _logger.PostHookFailed(error, hook.Name, @event, operation, subject.Ref, run.Reason);
                (failures ??= []).Add(run);
            }
        }
        await RecordHookRunsAsync(runs, subject.Committer).ConfigureAwait(false);
        return failures ?? (IReadOnlyList<HookRun>)[];
    }

    /// <summary>
    /// One run, limited by the hook's timeout: its token is cancelled then and the run is no longer waited for. A
    /// throw is a failure with the exception's message. The caller's cancellation ends a pre-hook run with
    /// <see cref="OperationCanceledException"/>, a post-hook run with a failure (the operation is done).
    /// </summary>
    private async Task<(HookRun Run, Exception? Error)> RunHookAsync(
        RepositoryHooks.Registration hook, HookSubject subject, bool rethrowCancellation, CancellationToken cancellationToken)
    {
        var time = _options.TimeProvider;
        var context = new HookContext(hook.Event, hook.Name, this, subject.Branch, subject.Tag, subject.Source, subject.HeadId,
            subject.Candidate, subject.Message, subject.Committer, subject.Metadata, subject.Changes);
        using var timeout = new CancellationTokenSource(hook.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var started = time.GetTimestamp();
        HookRun Done(bool succeeded, string? reason) => new()
        {
            Hook = hook.Name,
            Event = hook.Event,
            Ref = subject.Ref,
            Succeeded = succeeded,
            Reason = reason,
            Duration = time.GetElapsedTime(started),
        };
        try
        {
            var pending = hook.Handler(context, linked.Token);
            var result = pending.IsCompletedSuccessfully ? pending.Result : await pending.AsTask().WaitAsync(linked.Token).ConfigureAwait(false);
            return result switch
            {
                null => (Done(false, "the hook returned null instead of a HookResult"), null),
                { Succeeded: true } => (Done(true, null), null),
                { Reason: var reason } => (Done(false, string.IsNullOrWhiteSpace(reason) ? "the hook failed without a reason" : reason), null),
            };
        }
        catch (OperationCanceledException e) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return (Done(false, $"timed out after {hook.Timeout.TotalSeconds:0.###} s"), e);
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            if (rethrowCancellation)
            {
                throw;
            }
            return (Done(false, "cancelled by the caller"), e);
        }
#pragma warning disable CA1031 // A hook's exception is its failure, reported to the caller as HookFailedException.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return (Done(false, $"{e.GetType().Name}: {e.Message}"), e);
        }
    }

    /// <summary>The changes from one tree to another, read as the caller enumerates.</summary>
    private async IAsyncEnumerable<Change> TreeChangesAsync(string fromMetaRange, string toMetaRange, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var from = await _trees.GetMetaRangeAsync(fromMetaRange, cancellationToken).ConfigureAwait(false);
        var to = await _trees.GetMetaRangeAsync(toMetaRange, cancellationToken).ConfigureAwait(false);
        await foreach (var d in TreeDiff.DiffAsync(_trees, from, to, [], cancellationToken).ConfigureAwait(false))
        {
            yield return ToChange(d.Key, d.Left, d.Right);
        }
    }

    /// <summary>The uncommitted changes in <paramref name="tokens"/> against <paramref name="head"/>: what a reset drops.</summary>
    private async IAsyncEnumerable<Change> DroppedChangesAsync(Commit head, long[] tokens, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var tree = await _trees.GetMetaRangeAsync(head.MetaRangeId, cancellationToken).ConfigureAwait(false);
        await foreach (var change in UncommittedChangesAsync(tokens, tree, [], cancellationToken).ConfigureAwait(false))
        {
            yield return change;
        }
    }
}
