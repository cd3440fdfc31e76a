using Microsoft.Extensions.Logging;

namespace LakeFs.Storage.Diagnostics;

/// <summary>The log messages of the storage decorators, source-generated. Event ids 5xxx.</summary>
internal static partial class StorageLog
{
    [LoggerMessage(5001, LogLevel.Warning, "Storage {Operation} of '{Key}' failed on attempt {Attempt}; trying again")]
    public static partial void Retrying(this ILogger logger, Exception? error, string operation, string key, int attempt);

    [LoggerMessage(5002, LogLevel.Debug, "Cached '{Key}' ({Size} bytes) in the file cache")]
    public static partial void Cached(this ILogger logger, string key, long size);

    [LoggerMessage(5003, LogLevel.Debug, "'{Key}' is larger than the whole file cache ({MaxBytes} bytes); it is read from the store")]
    public static partial void TooLargeToCache(this ILogger logger, string key, long maxBytes);
}
