using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using LakeFs.Storage;
using LakeFs.Storage.Azure;

namespace LakeFs.Core.Tests.Storage.Azure;

/// <summary>The object-store contract, and staged-block uploads, against Azurite (each test under a fresh prefix).</summary>
[TestFixture]
[Category("Emulator")]
[Description("Runs against Azurite 3.35.0 (blob service), started by ./test.sh.")]
public sealed class AzureBlobObjectStoreTests : ObjectStoreContractTests
{
    private BlobContainerClient _container = null!;

    [OneTimeSetUp]
    public async Task ConnectAsync() => _container = await AzureEmulator.CreateContainerAsync();

    [OneTimeTearDown]
    public async Task DeleteContainerAsync()
    {
        if (_container is not null)
        {
            await _container.DeleteIfExistsAsync();
        }
    }

    [SetUp]
    public void IgnoreWhereTheEmulatorDeviates() => CloudEmulator.IgnoreWhereTheEmulatorDeviates(AzureEmulator.Deviations, "Azurite 3.35.0");

    protected override Task<IObjectStore> CreateStoreAsync() =>
        Task.FromResult<IObjectStore>(new AzureBlobObjectStore(_container, CloudEmulator.FreshPrefix(), AzureEmulator.StoreOptions));

    [Test]
    public async Task A_staged_upload_commits_every_block_in_order()
    {
        int blockSize = AzureEmulator.StoreOptions.BlockSize;
        byte[] bytes = RandomBytes(3 * blockSize + 5, seed: 21);

        await Store.PutAsync("blocks/object.bin", new NonSeekableStream(bytes));

        var blocks = await _container.GetBlockBlobClient(((AzureBlobObjectStore)Store).Prefix + "blocks/object.bin").GetBlockListAsync();
        Assert.That(blocks.Value.CommittedBlocks.Count(), Is.EqualTo(4));
        Assert.That(await ReadAllAsync("blocks/object.bin"), Is.EqualTo(bytes));
    }

    [Test]
    public async Task A_conditional_staged_upload_of_an_existing_key_throws_and_keeps_the_old_object()
    {
        await PutTextAsync("blocks/taken", "old");
        byte[] bytes = RandomBytes(2 * AzureEmulator.StoreOptions.BlockSize + 1, seed: 22);

        Assert.That(
            async () => await Store.PutAsync("blocks/taken", new MemoryStream(bytes), new PutOptions { IfNoneMatch = true }),
            Throws.InstanceOf<StorageKeyExistsException>());
        Assert.That(await ReadTextAsync("blocks/taken"), Is.EqualTo("old"));
    }
}
