using Microsoft.Extensions.Logging;
using Polly;

namespace LakeFs.Storage;

/// <summary>How <see cref="RetryingObjectStore"/> retries: bounded attempts, exponential backoff with full jitter.</summary>
public sealed record ObjectStoreRetryOptions
{
    /// <summary>Attempts per operation, the first included. Default 4.</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>Upper bound of the first backoff; it doubles on every further attempt. Default 100 ms.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Largest backoff. Default 5 s.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Clock the backoff waits on (tests pass a fake one).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// The Polly pipeline every call runs through (default: <see cref="RetryingObjectStore.DefaultPipeline"/> of these
    /// options). When set, <see cref="MaxAttempts"/>, <see cref="BaseDelay"/>, <see cref="MaxDelay"/> and
    /// <see cref="TimeProvider"/> are not used: the pipeline decides what is retried and how long to wait. Have it
    /// handle <see cref="TransientStorageException"/>, the errors the adapters report as worth another attempt.
    /// </summary>
    public ResiliencePipeline? Pipeline { get; init; }

    /// <summary>Creates the logger that reports each retry at Warning (default: none).</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The defaults.</summary>
    public static ObjectStoreRetryOptions Default { get; } = new();
}
