using LakeFs.Core.Tests.Storage.Azure;
using LakeFs.Core.Tests.Storage.Gcs;
using LakeFs.Core.Tests.Storage.S3;
using LakeFs.Storage;
using LakeFs.Storage.Azure;
using LakeFs.Storage.Gcs;
using LakeFs.Storage.S3;

namespace LakeFs.Core.Tests.Storage;

/// <summary>Opens a fresh, empty store on one of the emulators by name ("s3", "azure", "gcs").</summary>
internal static class CloudStores
{
    public static readonly string[] Names = ["s3", "azure", "gcs"];

    /// <summary>The store (under a fresh prefix) and what to dispose after it.</summary>
    public static async Task<(IObjectStore Store, IDisposable? Client)> OpenAsync(string name, bool productionSizes = false)
    {
        switch (name)
        {
            case "s3":
                var s3 = await S3Emulator.ConnectAsync();
                var s3Options = productionSizes ? S3Emulator.StoreOptions with { PartSize = new S3ObjectStoreOptions().PartSize } : S3Emulator.StoreOptions;
                return (new S3ObjectStore(s3, S3Emulator.Bucket, CloudEmulator.FreshPrefix(), s3Options), s3);
            case "azure":
                var container = await AzureEmulator.CreateContainerAsync();
                var azureOptions = productionSizes ? new AzureBlobObjectStoreOptions() : AzureEmulator.StoreOptions;
                return (new AzureBlobObjectStore(container, CloudEmulator.FreshPrefix(), azureOptions), null);
            case "gcs":
                var (client, bucket) = await GcsFakeServer.ConnectAsync();
                var gcsOptions = productionSizes ? new GcsObjectStoreOptions() : GcsFakeServer.StoreOptions;
                return (new GcsObjectStore(client, bucket, CloudEmulator.FreshPrefix(), gcsOptions), client);
            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown cloud.");
        }
    }
}
