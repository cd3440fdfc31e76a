using System.Net;
using Google;
using LakeFs.Storage;
using LakeFs.Storage.Gcs;

namespace LakeFs.Core.Tests.Storage.Gcs;

/// <summary>How SDK failures (real SDK exception values, no mocks) map to the port's exceptions.</summary>
public sealed class GcsErrorsTests
{
    [TestCase(HttpStatusCode.NotFound, false, typeof(StorageKeyNotFoundException))]
    [TestCase(HttpStatusCode.PreconditionFailed, true, typeof(StorageKeyExistsException))]
    [TestCase(HttpStatusCode.TooManyRequests, false, typeof(TransientStorageException))]
    [TestCase(HttpStatusCode.BadGateway, false, typeof(TransientStorageException))]
    [TestCase(HttpStatusCode.RequestTimeout, false, typeof(TransientStorageException))]
    [TestCase(HttpStatusCode.Forbidden, false, typeof(StorageException))]
    public void Service_errors_map_by_status(HttpStatusCode status, bool conditional, Type expected)
    {
        var failure = new GoogleApiException("storage", "failed") { HttpStatusCode = status };

        Assert.That(GcsErrors.Map(failure, "k", conditional, CancellationToken.None), Is.TypeOf(expected));
    }
}
