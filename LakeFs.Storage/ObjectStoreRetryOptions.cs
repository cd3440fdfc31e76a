using Microsoft.Extensions.Logging;

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

    /// <summary>Creates the logger that reports each retry at Warning (default: none).</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The defaults.</summary>
    public static ObjectStoreRetryOptions Default { get; } = new();
}
