using Google.Cloud.Storage.V1;
using LakeFs.Storage;
using LakeFs.Storage.Gcs;

namespace LakeFs.Core.Tests.Storage.Gcs;

/// <summary>The object-store contract, and resumable uploads, against the local GCS JSON-API protocol fake.</summary>
[TestFixture]
[Category("Emulator")]
[Description("Runs against a local GCS JSON-API protocol fake (tools/GcsFake), not against Google Cloud Storage.")]
public sealed class GcsObjectStoreTests : ObjectStoreContractTests
{
    private StorageClient _client = null!;
    private string _bucket = "";

    [OneTimeSetUp]
    public async Task ConnectAsync() => (_client, _bucket) = await GcsFakeServer.ConnectAsync();

    [OneTimeTearDown]
    public void Disconnect() => _client?.Dispose();

    protected override Task<IObjectStore> CreateStoreAsync() =>
        Task.FromResult<IObjectStore>(new GcsObjectStore(_client, _bucket, CloudEmulator.FreshPrefix(), GcsFakeServer.StoreOptions));

    [Test]
    public async Task A_resumable_upload_of_many_chunks_round_trips()
    {
        byte[] bytes = RandomBytes(5 * GcsFakeServer.StoreOptions.ChunkSize + 3, seed: 31);

        var stat = await Store.PutAsync("chunks/object.bin", new NonSeekableStream(bytes));

        Assert.That(stat.Size, Is.EqualTo(bytes.Length));
        Assert.That(await ReadAllAsync("chunks/object.bin"), Is.EqualTo(bytes));
    }

    [Test]
    public async Task A_store_opened_from_a_location_keeps_keys_under_its_prefix()
    {
        var store = GcsObjectStore.FromUri($"gs://{_bucket}/outer/inner/", _client, GcsFakeServer.StoreOptions);
        await store.PutAsync("k", Text("v"));

        var outer = new GcsObjectStore(_client, _bucket, "outer", GcsFakeServer.StoreOptions);
        Assert.That(await outer.StatAsync("inner/k"), Is.Not.Null);
    }
}
