using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using LakeFs.Gateway.Tests.TestSupport;

namespace LakeFs.Gateway.Tests.Operations;

/// <summary>Branch and tag names with '/' (feature/x, release/2026/v1) addressed as &lt;ref&gt;/&lt;path&gt; keys.</summary>
public sealed class SlashRefTests
{
    private GatewayServer _server = null!;
    private AmazonS3Client _client = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _server = await GatewayServer.StartAsync();
        _client = _server.CreateClient();
        var repository = _server.Repository;
        await repository.PutObjectAsync("main", "seed.txt", new MemoryStream("seed"u8.ToArray()));
        await repository.CommitAsync("main", "seed");
        await repository.BranchAsync("feature/x", "main");
        await repository.BranchAsync("feature/y", "main");
        await repository.TagAsync("release/2026/v1", "main");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Test]
    public async Task Objects_on_a_branch_with_slashes_are_written_read_copied_and_deleted_by_key()
    {
        await _client.PutObjectAsync(new PutObjectRequest { BucketName = "lake", Key = "feature/x/data/a.csv", ContentBody = "a,b\n1,2\n" });

        Assert.That(await ReadAsync("feature/x/data/a.csv"), Is.EqualTo("a,b\n1,2\n"));
        Assert.That((await _server.Repository.StatObjectAsync("feature/x", "data/a.csv")).Size, Is.EqualTo(8), "stored at data/a.csv on branch feature/x");
        Assert.That(async () => await _server.Repository.StatObjectAsync("main", "data/a.csv"), Throws.Exception, "not on main");
        Assert.That(await ReadAsync("feature/x/seed.txt"), Is.EqualTo("seed"), "the branch's committed objects");
        Assert.That(await ReadAsync("release/2026/v1/seed.txt"), Is.EqualTo("seed"), "a tag with slashes reads too");

        await _client.CopyObjectAsync("lake", "feature/x/data/a.csv", "lake", "feature/y/copied.csv");
        Assert.That(await ReadAsync("feature/y/copied.csv"), Is.EqualTo("a,b\n1,2\n"));

        await _client.DeleteObjectAsync("lake", "feature/x/data/a.csv");
        Assert.That(async () => await _server.Repository.StatObjectAsync("feature/x", "data/a.csv"), Throws.Exception);
    }

    [Test]
    public void Keys_that_start_with_no_branch_or_with_a_tag_are_refused_as_S3_does()
    {
        var missingObject = Assert.CatchAsync<AmazonS3Exception>(async () => await _client.GetObjectAsync("lake", "feature/x/no/such/object"));
        Assert.That(missingObject!.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(missingObject.ErrorCode, Is.EqualTo("NoSuchKey"));

        var noBranch = Assert.CatchAsync<AmazonS3Exception>(async () =>
            await _client.PutObjectAsync(new PutObjectRequest { BucketName = "lake", Key = "feature/z/a.csv", ContentBody = "x" }));
        Assert.That(noBranch!.ErrorCode, Is.EqualTo("NoSuchKey"));

        var toTag = Assert.CatchAsync<AmazonS3Exception>(async () =>
            await _client.PutObjectAsync(new PutObjectRequest { BucketName = "lake", Key = "release/2026/v1/a.csv", ContentBody = "x" }));
        Assert.That(toTag!.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
    }

    [Test]
    public async Task Listings_walk_ref_names_folder_by_folder_and_then_into_the_ref()
    {
        await _server.Repository.PutObjectAsync("feature/y", "listed/one", new MemoryStream("1"u8.ToArray()));

        var top = await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "lake", Delimiter = "/" });
        Assert.That(top.CommonPrefixes, Is.EqualTo(new[] { "feature/", "main/" }), "branches only; tags are readable, not listed");

        var features = await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "lake", Prefix = "feature/", Delimiter = "/" });
        Assert.That(features.CommonPrefixes, Is.EqualTo(new[] { "feature/x/", "feature/y/" }));
        Assert.That(features.S3Objects ?? [], Is.Empty);

        var inside = await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "lake", Prefix = "feature/y/", Delimiter = "/" });
        Assert.That(inside.CommonPrefixes, Is.EqualTo(new[] { "feature/y/listed/" }));
        Assert.That(inside.S3Objects.Select(o => o.Key), Does.Contain("feature/y/seed.txt"));

        var all = await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "lake", Prefix = "feature/y" });
        Assert.That(all.S3Objects.Select(o => o.Key), Does.Contain("feature/y/listed/one").And.Contain("feature/y/seed.txt"));
        Assert.That(all.S3Objects.Select(o => o.Key), Has.None.StartsWith("feature/x/"));

        var tag = await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "lake", Prefix = "release/2026/v1/" });
        Assert.That(tag.S3Objects.Select(o => o.Key), Is.EqualTo(new[] { "release/2026/v1/seed.txt" }));
    }

    private async Task<string> ReadAsync(string key)
    {
        using var get = await _client.GetObjectAsync("lake", key);
        using var reader = new StreamReader(get.ResponseStream);
        return await reader.ReadToEndAsync();
    }
}
