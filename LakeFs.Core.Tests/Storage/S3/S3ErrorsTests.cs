using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using LakeFs.Storage;
using LakeFs.Storage.S3;

namespace LakeFs.Core.Tests.Storage.S3;

/// <summary>How SDK failures (real SDK exception values, no mocks) map to the port's exceptions.</summary>
public sealed class S3ErrorsTests
{
    private static AmazonS3Exception Failure(HttpStatusCode status, string code) =>
        new("failed", ErrorType.Sender, code, "request-id", status);

    [TestCase(HttpStatusCode.NotFound, "NoSuchKey", false, typeof(StorageKeyNotFoundException))]
    [TestCase(HttpStatusCode.PreconditionFailed, "PreconditionFailed", true, typeof(StorageKeyExistsException))]
    [TestCase(HttpStatusCode.Conflict, "ConditionalRequestConflict", true, typeof(StorageKeyExistsException))]
    [TestCase(HttpStatusCode.ServiceUnavailable, "SlowDown", false, typeof(TransientStorageException))]
    [TestCase(HttpStatusCode.TooManyRequests, "Throttling", false, typeof(TransientStorageException))]
    [TestCase(HttpStatusCode.InternalServerError, "InternalError", false, typeof(TransientStorageException))]
    [TestCase(HttpStatusCode.Forbidden, "AccessDenied", false, typeof(StorageException))]
    [TestCase(HttpStatusCode.PreconditionFailed, "PreconditionFailed", false, typeof(StorageException))]
    public void Service_errors_map_by_status(HttpStatusCode status, string code, bool conditional, Type expected)
    {
        var mapped = S3Errors.Map(Failure(status, code), "k", conditional, CancellationToken.None);

        Assert.That(mapped, Is.TypeOf(expected));
        Assert.That(mapped!.InnerException, Is.Not.Null);
    }

    [Test]
    public void Network_failures_and_timeouts_are_transient_but_a_callers_cancellation_is_not_mapped()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.That(S3Errors.Map(new HttpRequestException("reset"), "k", false, CancellationToken.None), Is.TypeOf<TransientStorageException>());
        Assert.That(S3Errors.Map(new TaskCanceledException("timeout"), "k", false, CancellationToken.None), Is.TypeOf<TransientStorageException>());
        Assert.That(S3Errors.Map(new TaskCanceledException("cancelled"), "k", false, cts.Token), Is.Null);
        Assert.That(S3Errors.Map(new InvalidOperationException("bug"), "k", false, CancellationToken.None), Is.Null);
    }
}
