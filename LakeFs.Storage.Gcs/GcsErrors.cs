using System.Net;
using Google;

namespace LakeFs.Storage.Gcs;

/// <summary>Maps Google Cloud Storage failures to the port's exceptions.</summary>
internal static class GcsErrors
{
    /// <summary>Returns the port exception for <paramref name="error"/>, or null when it is not an SDK or network failure.</summary>
    public static Exception? Map(Exception error, string key, bool conditional, CancellationToken cancellationToken)
    {
        switch (error)
        {
            case OperationCanceledException when cancellationToken.IsCancellationRequested:
                return null;
            case GoogleApiException { HttpStatusCode: HttpStatusCode.NotFound }:
                return new StorageKeyNotFoundException($"No object has the key '{key}'.", error);
            case GoogleApiException { HttpStatusCode: HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict } when conditional:
                return new StorageKeyExistsException($"An object with the key '{key}' already exists.", error);
            case GoogleApiException { HttpStatusCode: HttpStatusCode.BadRequest } failed when IsHashMismatch(failed):
                return new StorageIntegrityException(
                    $"GCS refused the upload of '{key}': the bytes it received do not match the checksum the client sent ({failed.Message}). "
                    + "Something between this process and the bucket altered the request body (a proxy, or an emulator that rewrites content).", error);
            case GoogleApiException failed when IsTransient(failed.HttpStatusCode):
                return new TransientStorageException($"GCS request for '{key}' failed ({(int)failed.HttpStatusCode}); it may succeed when retried.", error);
            case GoogleApiException failed:
                return new StorageException($"GCS request for '{key}' failed ({(int)failed.HttpStatusCode}): {failed.Message}", error);
            case OperationCanceledException or TimeoutException or HttpRequestException or IOException:
                return new TransientStorageException($"GCS request for '{key}' failed: {error.Message}", error);
            default:
                return null;
        }
    }

    /// <summary>
    /// The client sends the CRC32C and MD5 of an upload (the SDK's <c>UploadValidationMode.RejectAndThrow</c>), and GCS
    /// refuses a body that does not match them with "Provided CRC32C/MD5 ... doesn't match calculated ...".
    /// </summary>
    private static bool IsHashMismatch(GoogleApiException e) =>
        e.Message.Contains("doesn't match calculated", StringComparison.OrdinalIgnoreCase)
        || e.Message.Contains("does not match calculated", StringComparison.OrdinalIgnoreCase);

    /// <summary>Throttling, timeouts and server errors; status 0 is a failure below HTTP.</summary>
    public static bool IsTransient(HttpStatusCode status) =>
        status is 0 or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;
}
