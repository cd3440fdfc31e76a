using Azure.Storage.Blobs;
using LakeFs.Storage.Azure;

namespace LakeFs.Core.Tests.Storage.Azure;

/// <summary>The Azurite blob emulator ./test.sh starts.</summary>
internal static class AzureEmulator
{
    public const string Variable = "LAKEFS_TEST_AZURE_CONNECTION_STRING";

    /// <summary>Small blocks, so the contract's several-megabyte upload goes through staged blocks.</summary>
    public static AzureBlobObjectStoreOptions StoreOptions { get; } = new() { BlockSize = 1024 * 1024 };

    /// <summary>Contract tests Azurite cannot pass, with the reason.</summary>
    public static IReadOnlyDictionary<string, string> Deviations { get; } = new Dictionary<string, string>
    {
        ["List_orders_keys_by_utf8_bytes"] = "Azurite sorts names by UTF-16 code units, which puts U+1F600 before U+E000.",
        ["List_agrees_with_a_sorted_filter_on_random_keys_and_queries"] = "Azurite sorts names by UTF-16 code units, which puts U+1F600 before U+E000.",
    };

    /// <summary>A fresh container; ignores (or fails under CI) when the emulator is not running.</summary>
    public static async Task<BlobContainerClient> CreateContainerAsync()
    {
        var connectionString = CloudEmulator.RequireEndpoint(Variable, "Azurite");
        var options = new BlobClientOptions();
        options.Retry.MaxRetries = 0;
        var container = new BlobServiceClient(connectionString, options).GetBlobContainerClient("lakefs-" + Guid.NewGuid().ToString("N"));
        await container.CreateIfNotExistsAsync();
        return container;
    }
}
