using Amazon.S3;
using Amazon.S3.Model;
using LakeFs.Gateway.Tests.TestSupport;

namespace LakeFs.Gateway.Tests.Operations;

/// <summary>ListObjectsV2 and V1 through the AWS SDK: prefixes, delimiters, pages, start-after, URL encoding, refs at the top.</summary>
public sealed class ListingTests
{
    private GatewayServer _server = null!;
    private AmazonS3Client _client = null!;
    private List<string> _keys = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _server = await GatewayServer.StartAsync();
        _client = _server.CreateClient();
        var repository = _server.Repository;
        _keys = [];
        foreach (var path in new[] { "a.txt", "dir/x", "dir/y", "dir/sub/z", "dir-2/q", "space name/ü €", "zz" })
        {
            await repository.PutObjectAsync("main", path, new MemoryStream("v"u8.ToArray()));
            _keys.Add("main/" + path);
        }
        await repository.CommitAsync("main", "seed");
        await repository.BranchAsync("dev", "main");
        await repository.BranchAsync("dev-2", "main");
        await repository.PutObjectAsync("dev", "only-on-dev", new MemoryStream("v"u8.ToArray()));
        await repository.TagAsync("v1", "main");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Test]
    public async Task The_top_level_with_a_delimiter_lists_one_prefix_per_branch()
    {
        var page = await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "lake", Delimiter = "/" });

        Assert.That(page.CommonPrefixes, Is.EqualTo(new[] { "dev-2/", "dev/", "main/" }));
        Assert.That(page.S3Objects ?? [], Is.Empty);
    }

    [Test]
    public async Task A_branch_lists_its_folders_and_objects_with_a_delimiter()
    {
        var page = await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "lake", Prefix = "main/", Delimiter = "/" });

        Assert.That(page.S3Objects.Select(o => o.Key), Is.EqualTo(new[] { "main/a.txt", "main/zz" }));
        Assert.That(page.CommonPrefixes, Is.EqualTo(new[] { "main/dir-2/", "main/dir/", "main/space name/" }));
        Assert.That(page.S3Objects[0].Size, Is.EqualTo(1));
    }

    [Test]
    public async Task Pages_of_every_size_add_up_to_the_whole_listing([Values(1, 2, 3, 1000)] int pageSize, [Values] bool v2)
    {
        var all = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            if (v2)
            {
                var page = await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "lake", Prefix = "main/", MaxKeys = pageSize, ContinuationToken = token });
                all.AddRange((page.S3Objects ?? []).Select(o => o.Key));
                token = page.IsTruncated == true ? page.NextContinuationToken : null;
            }
            else
            {
                var page = await _client.ListObjectsAsync(new ListObjectsRequest { BucketName = "lake", Prefix = "main/", MaxKeys = pageSize, Marker = token });
                all.AddRange((page.S3Objects ?? []).Select(o => o.Key));
                token = page.IsTruncated == true ? page.NextMarker : null;
            }
            pages++;
        }
        while (token is not null);

        Assert.That(all, Is.EqualTo(_keys.Order(StringComparer.Ordinal)));
        Assert.That(pages, Is.EqualTo((_keys.Count + pageSize - 1) / pageSize + (_keys.Count % pageSize == 0 && pageSize < _keys.Count ? 1 : 0)).Or.EqualTo((_keys.Count + pageSize - 1) / pageSize));
    }

    [Test]
    public async Task Common_prefixes_are_not_repeated_across_pages()
    {
        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "lake", Prefix = "main/", Delimiter = "/", MaxKeys = 1, ContinuationToken = token });
            seen.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            seen.AddRange(page.CommonPrefixes ?? []);
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);

        Assert.That(seen, Is.EqualTo(new[] { "main/a.txt", "main/dir-2/", "main/dir/", "main/space name/", "main/zz" }));
    }

    [Test]
    public async Task Start_after_and_a_listing_across_branches_without_delimiter()
    {
        var after = await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "lake", Prefix = "main/", StartAfter = "main/dir/x" });
        var everything = await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "lake", Prefix = "de" });

        Assert.That(after.S3Objects.Select(o => o.Key), Is.EqualTo(new[] { "main/dir/y", "main/space name/ü €", "main/zz" }));
        Assert.That(everything.S3Objects.Select(o => o.Key).Where(k => k.Contains("only-on-dev", StringComparison.Ordinal)), Is.EqualTo(new[] { "dev/only-on-dev" }));
        Assert.That(everything.KeyCount, Is.EqualTo(2 * 7 + 1));
    }

    [Test]
    public async Task A_tag_is_listed_by_name_and_an_unknown_ref_is_empty()
    {
        var tagged = await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "lake", Prefix = "v1/dir/" });
        var unknown = await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "lake", Prefix = "nope/" });

        Assert.That(tagged.S3Objects.Select(o => o.Key), Is.EqualTo(new[] { "v1/dir/sub/z", "v1/dir/x", "v1/dir/y" }));
        Assert.That(unknown.S3Objects ?? [], Is.Empty);
    }

    [Test]
    public async Task Url_encoding_round_trips_keys_with_spaces_and_unicode()
    {
        var page = await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "lake", Prefix = "main/space", Encoding = EncodingType.Url });

        // The SDK hands the encoded keys back as they came (boto3 decodes them); every byte outside RFC 3986's unreserved set is encoded.
        Assert.That(page.S3Objects.Select(o => o.Key), Is.EqualTo(new[] { "main/space%20name/%C3%BC%20%E2%82%AC" }));
        Assert.That(page.Prefix, Is.EqualTo("main/space"));
    }

    [Test]
    public async Task List_buckets_names_the_served_repositories()
    {
        var buckets = await _client.ListBucketsAsync();

        Assert.That(buckets.Buckets.Select(b => b.BucketName), Is.EqualTo(new[] { "lake", "other" }));
    }
}
