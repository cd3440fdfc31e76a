using System.Runtime.CompilerServices;
using LakeFs.Storage.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LakeFs.Storage;

/// <summary>
/// Retries the <see cref="TransientStorageException"/>s of any <see cref="IObjectStore"/> (throttling, 5xx, timeouts)
/// with jittered exponential backoff, a bounded number of times. This is the one place retries live; adapters do not retry.
/// </summary>
/// <remarks>
/// A put is retried only when its stream can seek back to where it started: the decorator never buffers a body.
/// A listing that fails part way resumes after the last key it returned. A retried conditional create or delete whose
/// first attempt did reach the store reports "exists" or <c>false</c>, as a second attempt would without the retry.
/// Every retry is logged at Warning (category <c>LakeFs.Storage.RetryingObjectStore</c>, through
/// <see cref="ObjectStoreRetryOptions.LoggerFactory"/>) with the operation, key, attempt and error, and counted in the
/// <c>lakefs.storage.retries</c> counter of the <c>LakeFs</c> meter.
/// </remarks>
public sealed class RetryingObjectStore : IObjectStore
{
    private readonly IObjectStore _inner;
    private readonly ObjectStoreRetryOptions _options;
    private readonly ILogger _logger;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    public RetryingObjectStore(IObjectStore inner, ObjectStoreRetryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _options = options ?? ObjectStoreRetryOptions.Default;
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxAttempts, 1, nameof(options));
        _logger = _options.LoggerFactory?.CreateLogger<RetryingObjectStore>() ?? NullLogger<RetryingObjectStore>.Instance;
    }

    /// <summary>The wrapped store.</summary>
    public IObjectStore Inner => _inner;

    /// <inheritdoc />
    public Task<ObjectStat> PutAsync(string key, Stream content, PutOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (!content.CanSeek)
        {
            return _inner.PutAsync(key, content, options, cancellationToken);
        }
        long start = content.Position;
        return RunAsync(
            "put",
            key,
            attempt =>
            {
                if (attempt > 1)
                {
                    content.Position = start;
                }
                return _inner.PutAsync(key, content, options, cancellationToken);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default) =>
        RunAsync("read", key, _ => _inner.OpenReadAsync(key, range, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<ObjectStat?> StatAsync(string key, CancellationToken cancellationToken = default) =>
        RunAsync("stat", key, _ => _inner.StatAsync(key, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        RunAsync("delete", key, _ => _inner.DeleteAsync(key, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<ObjectStat> ListAsync(string prefix, string? startAfter = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? after = startAfter;
        int attempt = 1;
        while (true)
        {
            var enumerator = _inner.ListAsync(prefix, after, cancellationToken).GetAsyncEnumerator(cancellationToken);
            bool retry = false;
            Exception? failure = null;
            try
            {
                while (true)
                {
                    bool moved;
                    try
                    {
                        moved = await enumerator.MoveNextAsync().ConfigureAwait(false);
                    }
                    catch (TransientStorageException e) when (attempt < _options.MaxAttempts && !cancellationToken.IsCancellationRequested)
                    {
                        failure = e;
                        retry = true;
                        break;
                    }
                    if (!moved)
                    {
                        yield break;
                    }
                    attempt = 1;
                    after = enumerator.Current.Key;
                    yield return enumerator.Current;
                }
            }
            finally
            {
                await enumerator.DisposeAsync().ConfigureAwait(false);
            }
            if (!retry)
            {
                yield break;
            }
            await DelayAsync("list", after ?? prefix, attempt, failure!, cancellationToken).ConfigureAwait(false);
            attempt++;
        }
    }

    /// <inheritdoc />
    /// <remarks>Deleting is idempotent: a failed call is retried whole.</remarks>
    public Task DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return RunAsync("delete-many", keys.Count > 0 ? keys[0] : "", async _ =>
        {
            await _inner.DeleteManyAsync(keys, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Folder listings are short: a failed one is retried whole, and the folders are returned once all are read.</remarks>
    public async IAsyncEnumerable<string> ListFoldersAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        StorageKeys.ValidateFolderPrefix(prefix);
        var folders = await RunAsync("list-folders", prefix, async _ =>
        {
            var all = new List<string>();
            await foreach (var folder in _inner.ListFoldersAsync(prefix, cancellationToken).ConfigureAwait(false))
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

    private async Task<T> RunAsync<T>(string name, string key, Func<int, Task<T>> operation, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await operation(attempt).ConfigureAwait(false);
            }
            catch (TransientStorageException e) when (attempt < _options.MaxAttempts && !cancellationToken.IsCancellationRequested)
            {
                await DelayAsync(name, key, attempt, e, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Logs and counts the retry, then waits with full jitter: a uniform wait between zero and the capped exponential bound of this attempt.</summary>
    private Task DelayAsync(string name, string key, int attempt, Exception error, CancellationToken cancellationToken)
    {
        double bound = Math.Min(_options.MaxDelay.TotalMilliseconds, _options.BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
#pragma warning disable CA5394 // Jitter needs no cryptographic randomness.
        var delay = TimeSpan.FromMilliseconds(bound * Random.Shared.NextDouble());
#pragma warning restore CA5394
        _logger.Retrying(error, name, key, attempt, _options.MaxAttempts, delay.TotalMilliseconds);
        if (LakeFsTelemetry.StorageRetries.Enabled)
        {
            LakeFsTelemetry.StorageRetries.Add(1, new KeyValuePair<string, object?>(LakeFsTelemetry.OperationTag, name));
        }
        return delay <= TimeSpan.Zero
            ? Task.CompletedTask
            : Task.Delay(delay, _options.TimeProvider, cancellationToken);
    }
}
