using System.Runtime.CompilerServices;
using LakeFs.Storage.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;

namespace LakeFs.Storage;

/// <summary>
/// Runs every call of any <see cref="IObjectStore"/> through a Polly <see cref="ResiliencePipeline"/>: by default one
/// that retries the <see cref="TransientStorageException"/>s (throttling, 5xx, timeouts) with jittered exponential
/// backoff, a bounded number of times (<see cref="ObjectStoreRetryOptions"/>), or the pipeline you give in
/// <see cref="ObjectStoreRetryOptions.Pipeline"/> (your retry, timeout or circuit-breaker policies, with Polly's own
/// telemetry). This is the one place retries live; adapters do not retry.
/// </summary>
/// <remarks>
/// A put is retried only when its stream can seek back to where it started: the decorator never buffers a body.
/// A listing that fails part way resumes after the last key it returned (or offered to a filter), each item with a fresh pipeline run. A retried
/// conditional create or delete whose first attempt did reach the store reports "exists" or <c>false</c>, as a second
/// attempt would without the retry.
/// Every retry is logged at Warning (category <c>LakeFs.Storage.RetryingObjectStore</c>, through
/// <see cref="ObjectStoreRetryOptions.LoggerFactory"/>) with the operation, key, attempt and the error that caused it,
/// and counted in the <c>lakefs.storage.retries</c> counter of the <c>LakeFs</c> meter, whichever pipeline runs.
/// </remarks>
public sealed class RetryingObjectStore : IObjectStore
{
    private readonly IObjectStore _inner;
    private readonly ResiliencePipeline _pipeline;
    private readonly ILogger _logger;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    public RetryingObjectStore(IObjectStore inner, ObjectStoreRetryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        options ??= ObjectStoreRetryOptions.Default;
        _inner = inner;
        _pipeline = options.Pipeline ?? DefaultPipeline(options);
        _logger = options.LoggerFactory?.CreateLogger<RetryingObjectStore>() ?? NullLogger<RetryingObjectStore>.Instance;
    }

    /// <summary>The wrapped store.</summary>
    public IObjectStore Inner => _inner;

    /// <summary>
    /// The pipeline used when <see cref="ObjectStoreRetryOptions.Pipeline"/> is not set: a Polly retry of
    /// <see cref="TransientStorageException"/> only, <see cref="ObjectStoreRetryOptions.MaxAttempts"/> attempts in all,
    /// waiting before attempt n+1 a uniform random time between zero and
    /// min(<see cref="ObjectStoreRetryOptions.MaxDelay"/>, <see cref="ObjectStoreRetryOptions.BaseDelay"/> × 2ⁿ⁻¹) ("full
    /// jitter") on <see cref="ObjectStoreRetryOptions.TimeProvider"/>. Nothing is retried once the caller's token is cancelled.
    /// Start from this to add your own strategies around the same retry.
    /// </summary>
    public static ResiliencePipeline DefaultPipeline(ObjectStoreRetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxAttempts, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.BaseDelay.Ticks, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxDelay.Ticks, nameof(options));
        ArgumentNullException.ThrowIfNull(options.TimeProvider, nameof(options));
        if (options.MaxAttempts == 1)
        {
            return ResiliencePipeline.Empty;
        }
        var baseDelay = options.BaseDelay.TotalMilliseconds;
        var maxDelay = options.MaxDelay.TotalMilliseconds;
        return new ResiliencePipelineBuilder { TimeProvider = options.TimeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is TransientStorageException && !args.Context.CancellationToken.IsCancellationRequested),
                MaxRetryAttempts = options.MaxAttempts - 1,
                // Polly's own exponential jitter is decorrelated; this keeps the full jitter the store always had.
                DelayGenerator = args =>
                {
                    double bound = Math.Min(maxDelay, baseDelay * Math.Pow(2, args.AttemptNumber));
#pragma warning disable CA5394 // Jitter needs no cryptographic randomness.
                    return ValueTask.FromResult<TimeSpan?>(TimeSpan.FromMilliseconds(bound * Random.Shared.NextDouble()));
#pragma warning restore CA5394
                },
            })
            .Build();
    }

    /// <inheritdoc />
    public Task<ObjectStat> PutAsync(string key, Stream content, PutOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (!content.CanSeek)
        {
            return _inner.PutAsync(key, content, options, cancellationToken);
        }
        long start = content.Position;
        return RunAsync("put", key, (attempt, token) =>
        {
            if (attempt > 1)
            {
                content.Position = start;
            }
            return _inner.PutAsync(key, content, options, token);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default) =>
        RunAsync("read", key, (_, token) => _inner.OpenReadAsync(key, range, token), cancellationToken);

    /// <inheritdoc />
    public Task<ObjectStat?> StatAsync(string key, CancellationToken cancellationToken = default) =>
        RunAsync("stat", key, (_, token) => _inner.StatAsync(key, token), cancellationToken);

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        RunAsync("delete", key, (_, token) => _inner.DeleteAsync(key, token), cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<ObjectStat> ListAsync(string prefix, string? startAfter = null, CancellationToken cancellationToken = default) =>
        ListCoreAsync(prefix, null, startAfter, cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// A listing that fails part way resumes after the last key offered, so no key is offered twice; a key accepted
    /// just before the failure is read alone (<see cref="IObjectStore.StatAsync"/>) and returned if it still exists.
    /// </remarks>
    public IAsyncEnumerable<ObjectStat> ListWhereAsync(string prefix, Func<string, bool> include, string? startAfter = null, CancellationToken cancellationToken = default)
    {
        StorageKeys.ValidatePrefix(prefix);
        ArgumentNullException.ThrowIfNull(include);
        return ListCoreAsync(prefix, include, startAfter, cancellationToken);
    }

    private async IAsyncEnumerable<ObjectStat> ListCoreAsync(string prefix, Func<string, bool>? include, string? startAfter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Where a fresh listing starts: after the last key returned or, with a filter, the last key offered.
        string? after = startAfter;
        // A key the filter accepted whose object the failed listing did not return yet.
        string? accepted = null;
        Func<string, bool>? offer = include is null ? null : key =>
        {
            after = key;
            bool yes = include(key);
            accepted = yes ? key : null;
            return yes;
        };
        IAsyncEnumerator<ObjectStat>? enumerator = null;
        try
        {
            while (true)
            {
                // Each item is one pipeline run: a failure re-lists after the resume point, and progress resets the attempts.
                var next = await RunAsync<ObjectStat?>("list", prefix, async (_, _) =>
                {
                    if (enumerator is null && accepted is not null)
                    {
                        var alone = await _inner.StatAsync(accepted, cancellationToken).ConfigureAwait(false);
                        accepted = null;
                        if (alone is not null)
                        {
                            return alone;
                        }
                    }
                    // The listing lives across runs, so it takes the caller's token rather than one run's.
                    enumerator ??= (offer is null
                        ? _inner.ListAsync(prefix, after, cancellationToken)
                        : _inner.ListWhereAsync(prefix, offer, after, cancellationToken)).GetAsyncEnumerator(cancellationToken);
                    try
                    {
                        return await enumerator.MoveNextAsync().ConfigureAwait(false) ? enumerator.Current : null;
                    }
                    catch (TransientStorageException)
                    {
                        var failed = enumerator;
                        enumerator = null;
                        await failed.DisposeAsync().ConfigureAwait(false);
                        throw;
                    }
                }, cancellationToken).ConfigureAwait(false);
                if (next is null)
                {
                    yield break;
                }
                after = next.Key;
                accepted = null;
                yield return next;
            }
        }
        finally
        {
            if (enumerator is not null)
            {
                await enumerator.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>Deleting is idempotent: a failed call is retried whole.</remarks>
    public Task DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return RunAsync("delete-many", keys.Count > 0 ? keys[0] : "", async (_, token) =>
        {
            await _inner.DeleteManyAsync(keys, token).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Folder listings are short: a failed one is retried whole, and the folders are returned once all are read.</remarks>
    public async IAsyncEnumerable<string> ListFoldersAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        StorageKeys.ValidateFolderPrefix(prefix);
        var folders = await RunAsync("list-folders", prefix, async (_, token) =>
        {
            var all = new List<string>();
            await foreach (var folder in _inner.ListFoldersAsync(prefix, token).ConfigureAwait(false))
            {
                all.Add(folder);
            }
            return all;
        }, cancellationToken).ConfigureAwait(false);
        foreach (var folder in folders)
        {
            yield return folder;
        }
    }

    /// <summary>Runs <paramref name="operation"/> (given the attempt number, from 1) through the pipeline, logging and counting every attempt after the first.</summary>
    private async Task<T> RunAsync<T>(string name, string key, Func<int, CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        int attempt = 0;
        Exception? last = null;
        return await _pipeline.ExecuteAsync(async token =>
        {
            attempt++;
            if (attempt > 1)
            {
                _logger.Retrying(last, name, key, attempt - 1);
                if (LakeFsTelemetry.StorageRetries.Enabled)
                {
                    LakeFsTelemetry.StorageRetries.Add(1, new KeyValuePair<string, object?>(LakeFsTelemetry.OperationTag, name));
                }
            }
            try
            {
                return await operation(attempt, token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                last = e;
                throw;
            }
        }, cancellationToken).ConfigureAwait(false);
    }
}
