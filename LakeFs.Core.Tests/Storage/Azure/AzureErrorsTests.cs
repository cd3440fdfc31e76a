using Azure;
using LakeFs.Storage;
using LakeFs.Storage.Azure;

namespace LakeFs.Core.Tests.Storage.Azure;

/// <summary>How SDK failures (real SDK exception values, no mocks) map to the port's exceptions.</summary>
public sealed class AzureErrorsTests
{
    [TestCase(404, "BlobNotFound", false, typeof(StorageKeyNotFoundException))]
    [TestCase(409, "BlobAlreadyExists", true, typeof(StorageKeyExistsException))]
    [TestCase(412, "ConditionNotMet", true, typeof(StorageKeyExistsException))]
    [TestCase(503, "ServerBusy", false, typeof(TransientStorageException))]
    [TestCase(429, "TooManyRequests", false, typeof(TransientStorageException))]
    [TestCase(408, "OperationTimedOut", false, typeof(TransientStorageException))]
    [TestCase(0, "", false, typeof(TransientStorageException))]
    [TestCase(403, "AuthorizationFailure", false, typeof(StorageException))]
    public void Service_errors_map_by_status(int status, string code, bool conditional, Type expected)
    {
        var mapped = AzureErrors.Map(new RequestFailedException(status, "failed", code, null), "k", conditional, CancellationToken.None);

        Assert.That(mapped, Is.TypeOf(expected));
    }
}
