using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using LakeFs.Core.Tests.TestSupport;
using LakeFs.Storage;
using LakeFs.Storage.Azure;

namespace LakeFs.Core.Tests.Storage.Azure;

/// <summary>
/// An upload whose body is altered on the way (here by an HTTP handler that flips a byte, as a rewriting proxy
/// would) is caught by the Content-MD5 Azurite computes over what it stored, and removed.
/// </summary>
[Category("Emulator")]
public sealed class AzureIntegrityTests
{
    private TempDirectory _temp = null!;
    private BlobContainerClient _container = null!;
    private BlobContainerClient _mangling = null!;
    private string _prefix = null!;

    [SetUp]
    public async Task SetUpAsync()
    {
        _temp = new TempDirectory();
        _container = await AzureEmulator.CreateContainerAsync();
        var options = new BlobClientOptions { Transport = new HttpClientTransport(new HttpClient(new FlipFirstByteHandler())) };
        options.Retry.MaxRetries = 0;
        var connectionString = Environment.GetEnvironmentVariable(AzureEmulator.Variable)!;
        _mangling = new BlobServiceClient(connectionString, options).GetBlobContainerClient(_container.Name);
        _prefix = CloudEmulator.FreshPrefix();
    }

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public async Task A_put_whose_stored_bytes_differ_is_refused_and_removed()
    {
        var store = new AzureBlobObjectStore(_mangling, _prefix);
        using var content = new MemoryStream(new byte[1000]);

        var error = Assert.ThrowsAsync<StorageIntegrityException>(() => store.PutAsync("data/x", content));

        Assert.That(error!.Message, Does.Contain("'data/x'").And.Contain("Content-MD5"));
        var clean = new AzureBlobObjectStore(_container, _prefix);
        Assert.That(await clean.ListAsync("").ToListAsync(), Is.Empty);
    }

    [Test]
    public async Task Create_over_a_store_that_alters_bodies_fails_and_leaves_nothing()
    {
        var options = new RepositoryOptions { ObjectStore = new AzureBlobObjectStore(_mangling, _prefix), RefStore = new SqliteRefStoreOptions(_temp.Combine("refs.db")) };

        Assert.ThrowsAsync<StorageIntegrityException>(() => Repository.CreateAsync(options));

        Assert.That(await new AzureBlobObjectStore(_container, _prefix).ListAsync("").ToListAsync(), Is.Empty);
        Assert.That(File.Exists(_temp.Combine("refs.db")), Is.False);
    }
}
