using System.Net;
using Amazon.Runtime;
using Amazon.S3;

namespace LakeFs.Storage.S3;

/// <summary>Maps AWS SDK failures to the port's exceptions.</summary>
internal static class S3Errors
{
    public static bool IsNotFound(AmazonS3Exception e) =>
        e.StatusCode == HttpStatusCode.NotFound || e.ErrorCode is "NoSuchKey" or "NotFound";

    public static bool IsInvalidRange(AmazonS3Exception e) =>
        e.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable || e.ErrorCode == "InvalidRange";

    /// <summary>Returns the port exception for <paramref name="error"/>, or null when it is not an SDK or network failure (a caller's cancellation, a bug).</summary>
    public static Exception? Map(Exception error, string key, bool conditional, CancellationToken cancellationToken)
    {
        switch (error)
        {
            case OperationCanceledException when cancellationToken.IsCancellationRequested:
                return null;
            case AmazonS3Exception s3 when IsNotFound(s3):
                return new StorageKeyNotFoundException($"No object has the key '{key}'.", error);
            case AmazonServiceException service when conditional
                && (service.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict):
                return new StorageKeyExistsException($"An object with the key '{key}' already exists.", error);
            case AmazonServiceException service when IsTransient(service):
                return new TransientStorageException($"S3 request for '{key}' failed ({(int)service.StatusCode} {service.ErrorCode}); it may succeed when retried.", error);
            case AmazonServiceException service:
                return new StorageException($"S3 request for '{key}' failed ({(int)service.StatusCode} {service.ErrorCode}): {service.Message}", error);
            case OperationCanceledException or TimeoutException or HttpRequestException or IOException or AmazonClientException:
                return new TransientStorageException($"S3 request for '{key}' failed: {error.Message}", error);
            default:
                return null;
        }
    }

    private static bool IsTransient(AmazonServiceException e) =>
        e.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || (int)e.StatusCode >= 500 || IsTransientCode(e.ErrorCode);

    /// <summary>Whether an S3 error code (of a request, or of one key in a DeleteObjects answer) may pass when retried.</summary>
    public static bool IsTransientCode(string? code) => code is "SlowDown" or "RequestTimeout" or "InternalError" or "ServiceUnavailable" or "Throttling";
}
