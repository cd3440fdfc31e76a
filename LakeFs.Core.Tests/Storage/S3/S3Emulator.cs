using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using LakeFs.Storage.S3;

namespace LakeFs.Core.Tests.Storage.S3;

/// <summary>The s3rver emulator ./test.sh starts (with its test-only If-None-Match middleware).</summary>
internal static class S3Emulator
{
    public const string Variable = "LAKEFS_TEST_S3_ENDPOINT";
    public const string Bucket = "lakefs-tests";

    /// <summary>Options for s3rver, which stores aws-chunked bodies verbatim.</summary>
    public static S3ObjectStoreOptions StoreOptions { get; } = new() { UseChunkEncoding = false, PartSize = S3ObjectStoreOptions.MinPartSize };

    /// <summary>A client for the emulator with a bucket ready; ignores (or fails under CI) when it is not running.</summary>
    public static async Task<AmazonS3Client> ConnectAsync()
    {
        var endpoint = CloudEmulator.RequireEndpoint(Variable, "s3rver");
        var client = new AmazonS3Client(
            new BasicAWSCredentials("S3RVER", "S3RVER"),
            new AmazonS3Config { ServiceURL = endpoint, ForcePathStyle = true, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });
        try
        {
            await client.PutBucketAsync(new PutBucketRequest { BucketName = Bucket });
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
        }
        return client;
    }
}
