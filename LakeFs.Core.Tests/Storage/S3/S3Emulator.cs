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

    /// <summary>Contract tests s3rver cannot pass, with the reason; S3 itself lists in UTF-8 byte order.</summary>
    public static IReadOnlyDictionary<string, string> Deviations { get; } = new Dictionary<string, string>
    {
        ["List_orders_keys_by_utf8_bytes"] = "s3rver lists by walking its data folder, so 'a/b' comes before 'a-b'.",
        ["List_with_a_prefix_ending_inside_a_name_matches_by_characters"] = "s3rver lists by walking its data folder, so 'data/ab-/y' comes before 'data/ab'.",
        ["List_agrees_with_a_sorted_filter_on_random_keys_and_queries"] = "s3rver lists by walking its data folder, not in key order.",
        ["List_starts_strictly_after_start_after"] = "s3rver echoes StartAfter into its XML reply unescaped, and U+FFFF is not an XML character.",
    };

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
