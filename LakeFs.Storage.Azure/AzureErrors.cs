using Azure;

namespace LakeFs.Storage.Azure;

/// <summary>Maps Azure SDK failures to the port's exceptions.</summary>
internal static class AzureErrors
{
    /// <summary>Returns the port exception for <paramref name="error"/>, or null when it is not an SDK or network failure.</summary>
    public static Exception? Map(Exception error, string key, bool conditional, CancellationToken cancellationToken)
    {
        switch (error)
        {
            case OperationCanceledException when cancellationToken.IsCancellationRequested:
                return null;
            case RequestFailedException { Status: 404 }:
                return new StorageKeyNotFoundException($"No object has the key '{key}'.", error);
            case RequestFailedException { Status: 409 or 412 } when conditional:
                return new StorageKeyExistsException($"An object with the key '{key}' already exists.", error);
            case RequestFailedException { Status: 0 or 408 or 429 or >= 500 } failed:
                return new TransientStorageException($"Azure request for '{key}' failed ({failed.Status} {failed.ErrorCode}); it may succeed when retried.", error);
            case RequestFailedException failed:
                return new StorageException($"Azure request for '{key}' failed ({failed.Status} {failed.ErrorCode}): {failed.Message}", error);
            case OperationCanceledException or TimeoutException or HttpRequestException or IOException or AggregateException:
                return new TransientStorageException($"Azure request for '{key}' failed: {error.Message}", error);
            default:
                return null;
        }
    }
}
