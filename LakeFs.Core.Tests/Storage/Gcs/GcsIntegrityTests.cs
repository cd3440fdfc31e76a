using Google.Apis.Http;
using Google.Cloud.Storage.V1;
using LakeFs.Core.Tests.TestSupport;
using LakeFs.Storage;
using LakeFs.Storage.Gcs;

namespace LakeFs.Core.Tests.Storage.Gcs;

/// <summary>
/// An upload whose body is altered on the way is refused: the SDK sends the CRC32C of what it read in X-Goog-Hash,
/// the fake (like GCS) rejects a final chunk that disagrees, and the adapter reports it as a
/// <see cref="StorageIntegrityException"/>.
/// </summary>
[Category("Emulator")]
public sealed class GcsIntegrityTests
{
    private TempDirectory _temp = null!;
    private StorageClient _client = null!;
    private StorageClient _mangling = null!;
    private string _bucket = null!;
    private string _prefix = null!;

    [SetUp]
    public async Task SetUpAsync()
    {
        _temp = new TempDirectory();
        (_client, _bucket) = await GcsFakeServer.ConnectAsync();
        _mangling = await new StorageClientBuilder
        {
            BaseUri = _client.Service.BaseUri,
            UnauthenticatedAccess = true,
            HttpClientFactory = new ManglingFactory(),
        }.BuildAsync();
        _prefix = CloudEmulator.FreshPrefix();
    }

    [TearDown]
    public void TearDown()
    {
        _client?.Dispose();
        _mangling?.Dispose();
        _temp.Dispose();
    }

    [Test]
    public async Task A_put_whose_stored_bytes_differ_is_refused_and_nothing_is_stored()
    {
        var store = new GcsObjectStore(_mangling, _bucket, _prefix, GcsFakeServer.StoreOptions);
        using var content = new MemoryStream(new byte[1000]);

        var error = Assert.ThrowsAsync<StorageIntegrityException>(() => store.PutAsync("data/x", content));

        Assert.That(error!.Message, Does.Contain("'data/x'").And.Contain("CRC32C"));
        Assert.That(await new GcsObjectStore(_client, _bucket, _prefix).ListAsync("").ToListAsync(), Is.Empty);
    }

    [Test]
    public async Task Create_over_a_store_that_alters_bodies_fails_and_leaves_nothing()
    {
        var options = new RepositoryOptions { ObjectStore = new GcsObjectStore(_mangling, _bucket, _prefix), RefStore = new SqliteRefStoreOptions(_temp.Combine("refs.db")) };

        Assert.ThrowsAsync<StorageIntegrityException>(() => Repository.CreateAsync(options));

        Assert.That(await new GcsObjectStore(_client, _bucket, _prefix).ListAsync("").ToListAsync(), Is.Empty);
        Assert.That(File.Exists(_temp.Combine("refs.db")), Is.False);
    }

    private sealed class ManglingFactory : HttpClientFactory
    {
        protected override HttpMessageHandler CreateHandler(CreateHttpClientArgs args) => new FlipFirstByteHandler(base.CreateHandler(args));
    }
}
