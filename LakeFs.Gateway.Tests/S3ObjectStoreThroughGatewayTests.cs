using Amazon.S3;
using LakeFs.Core.Tests.Storage;
using LakeFs.Gateway.Tests.TestSupport;
using LakeFs.Storage;
using LakeFs.Storage.S3;

namespace LakeFs.Gateway.Tests;

/// <summary>
/// The project's own S3 adapter pointed at the gateway passes the whole object-store contract, no deviation: each test
/// gets a fresh branch as its key prefix (bucket "lake", keys "&lt;branch&gt;/&lt;key&gt;"). The SDK sends aws-chunked
/// bodies (signed chunks and a signed checksum trailer, its default over HTTP); whole-body SHA-256 payloads are what
/// the AWS CLI, boto3 and s3cmd send (Clients/).
/// </summary>
public sealed class S3ObjectStoreThroughGatewayTests : ObjectStoreContractTests
{
    private GatewayServer _server = null!;
    private AmazonS3Client _client = null!;
    private int _branches;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _server = await GatewayServer.StartAsync();
        _client = _server.CreateClient();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _client?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    protected override async Task<IObjectStore> CreateStoreAsync()
    {
        var branch = $"t{Interlocked.Increment(ref _branches)}";
        await _server.Repository.BranchAsync(branch, "main");
        return new S3ObjectStore(_client, GatewayServer.Bucket, branch, new S3ObjectStoreOptions
        {
            UseChunkEncoding = true,
            PartSize = S3ObjectStoreOptions.MinPartSize,
        });
    }

    [Test]
    public async Task A_multipart_upload_round_trips_and_reads_ranges_across_parts()
    {
        int partSize = S3ObjectStoreOptions.MinPartSize;
        byte[] bytes = RandomBytes(2 * partSize + 12345, seed: 11);

        var stat = await Store.PutAsync("multi/part.bin", new NonSeekableStream(bytes));

        Assert.That(stat.Size, Is.EqualTo(bytes.Length));
        Assert.That(await ReadAllAsync("multi/part.bin"), Is.EqualTo(bytes));
        await using var range = await Store.OpenReadAsync("multi/part.bin", new ByteRange(partSize - 10, 20));
        using var copy = new MemoryStream();
        await range.CopyToAsync(copy);
        Assert.That(copy.ToArray(), Is.EqualTo(bytes.AsSpan(partSize - 10, 20).ToArray()));
    }
}
