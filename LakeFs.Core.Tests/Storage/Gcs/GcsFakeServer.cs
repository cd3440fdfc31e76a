using Google.Cloud.Storage.V1;
using LakeFs.Storage.Gcs;

namespace LakeFs.Core.Tests.Storage.Gcs;

/// <summary>
/// The local GCS JSON-API protocol fake (tools/GcsFake) that ./test.sh starts. It is not Google's service: these
/// tests check the adapter's use of the protocol, not the service's own behaviour.
/// </summary>
internal static class GcsFakeServer
{
    public const string Variable = "LAKEFS_TEST_GCS_ENDPOINT";

    /// <summary>The smallest chunk, so the contract's several-megabyte upload goes through many resumable chunks.</summary>
    public static GcsObjectStoreOptions StoreOptions { get; } = new() { ChunkSize = UploadObjectOptions.MinimumChunkSize };

    /// <summary>A client for the fake and a fresh bucket; ignores (or fails under CI) when the fake is not running.</summary>
    public static async Task<(StorageClient Client, string Bucket)> ConnectAsync()
    {
        var endpoint = CloudEmulator.RequireEndpoint(Variable, "the GCS protocol fake");
        var client = await new StorageClientBuilder
        {
            BaseUri = endpoint.TrimEnd('/') + "/storage/v1/",
            UnauthenticatedAccess = true,
        }.BuildAsync();
        var bucket = "lakefs-" + Guid.NewGuid().ToString("N");
        await client.CreateBucketAsync("lakefs-tests", bucket);
        return (client, bucket);
    }
}
