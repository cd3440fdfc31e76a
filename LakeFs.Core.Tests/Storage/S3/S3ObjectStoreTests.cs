using Amazon.S3;
using LakeFs.Storage;
using LakeFs.Storage.S3;

namespace LakeFs.Core.Tests.Storage.S3;

/// <summary>The object-store contract, and multipart uploads, against the s3rver emulator (each test under a fresh prefix).</summary>
[TestFixture]
[Category("Emulator")]
[Description("Runs against s3rver 3.7.1, started by ./test.sh with a test-only middleware that enforces If-None-Match.")]
public sealed class S3ObjectStoreTests : ObjectStoreContractTests
{
    private AmazonS3Client _client = null!;

    [OneTimeSetUp]
    public async Task ConnectAsync() => _client = await S3Emulator.ConnectAsync();

    [OneTimeTearDown]
    public void Disconnect() => _client?.Dispose();

    [SetUp]
    public void IgnoreWhereTheEmulatorDeviates() => CloudEmulator.IgnoreWhereTheEmulatorDeviates(S3Emulator.Deviations, "s3rver 3.7.1");

    protected override Task<IObjectStore> CreateStoreAsync() =>
        Task.FromResult<IObjectStore>(new S3ObjectStore(_client, S3Emulator.Bucket, CloudEmulator.FreshPrefix(), S3Emulator.StoreOptions));

    [Test]
    public async Task A_multipart_upload_round_trips_and_reads_ranges_across_parts()
    {
        int partSize = S3Emulator.StoreOptions.PartSize;
        byte[] bytes = RandomBytes(2 * partSize + 12345, seed: 11);

        var stat = await Store.PutAsync("multi/part.bin", new NonSeekableStream(bytes));

        Assert.That(stat.Size, Is.EqualTo(bytes.Length));
        Assert.That((await Store.StatAsync("multi/part.bin"))!.Size, Is.EqualTo(bytes.Length));
        Assert.That(await ReadAllAsync("multi/part.bin"), Is.EqualTo(bytes));
        await using var range = await Store.OpenReadAsync("multi/part.bin", new ByteRange(partSize - 10, 20));
        using var copy = new MemoryStream();
        await range.CopyToAsync(copy);
        Assert.That(copy.ToArray(), Is.EqualTo(bytes.AsSpan(partSize - 10, 20).ToArray()));
    }

    [Test]
    public async Task A_conditional_multipart_upload_of_an_existing_key_throws_and_keeps_the_old_object()
    {
        await PutTextAsync("multi/taken", "old");
        byte[] bytes = RandomBytes(S3Emulator.StoreOptions.PartSize + 1, seed: 12);

        Assert.That(
            async () => await Store.PutAsync("multi/taken", new MemoryStream(bytes), new PutOptions { IfNoneMatch = true }),
            Throws.InstanceOf<StorageKeyExistsException>());
        Assert.That(await ReadTextAsync("multi/taken"), Is.EqualTo("old"));
    }

    [Test]
    public async Task A_store_opened_from_a_location_keeps_keys_under_its_prefix()
    {
        var prefix = CloudEmulator.FreshPrefix();
        var store = S3ObjectStore.FromUri($"s3://{S3Emulator.Bucket}/{prefix}/nested", _client, S3Emulator.StoreOptions);
        await store.PutAsync("k", Text("v"));

        var outer = new S3ObjectStore(_client, S3Emulator.Bucket, prefix, S3Emulator.StoreOptions);
        Assert.That(await outer.StatAsync("nested/k"), Is.Not.Null);
        Assert.That(store.Prefix, Is.EqualTo(prefix + "/nested/"));
    }
}
