using System.Net;
using System.Security.Cryptography;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using LakeFs.Core.Model;
using LakeFs.Gateway.Tests.TestSupport;

namespace LakeFs.Gateway.Tests.Operations;

/// <summary>GetObject, HeadObject, PutObject, CopyObject, DeleteObject(s) through the AWS SDK, checked against the library.</summary>
public sealed class ObjectOperationsTests
{
    private GatewayServer _server = null!;
    private AmazonS3Client _client = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _server = await GatewayServer.StartAsync();
        _client = _server.CreateClient();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Test]
    public async Task Put_stores_content_type_and_metadata_and_get_returns_them_with_an_md5_etag()
    {
        var request = new PutObjectRequest { BucketName = "lake", Key = "main/meta/doc.json", ContentBody = "{\"a\":1}", ContentType = "application/json" };
        request.Metadata.Add("owner", "data-team");
        var put = await _client.PutObjectAsync(request);

        using var get = await _client.GetObjectAsync("lake", "main/meta/doc.json");
        using var reader = new StreamReader(get.ResponseStream);

        var md5 = "\"" + Convert.ToHexStringLower(MD5.HashData("{\"a\":1}"u8)) + "\"";
        Assert.That(put.ETag, Is.EqualTo(md5));
        Assert.That(await reader.ReadToEndAsync(), Is.EqualTo("{\"a\":1}"));
        Assert.That(get.Headers.ContentType, Is.EqualTo("application/json"));
        Assert.That(get.Metadata["x-amz-meta-owner"], Is.EqualTo("data-team"));
        Assert.That(get.ETag, Is.EqualTo(md5));
        var info = await _server.Repository.StatObjectAsync("main", "meta/doc.json");
        Assert.That(info.ContentType, Is.EqualTo("application/json"));
        Assert.That(info.Metadata["owner"], Is.EqualTo("data-team"));
        Assert.That(info.Checksum, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData("{\"a\":1}"u8))), "the library's checksum stays SHA-256");
    }

    [Test]
    public async Task An_object_written_by_the_library_downloads_through_the_SDK_which_checks_md5_etags()
    {
        await _server.Repository.PutObjectAsync("main", "library/written.txt", new MemoryStream("written by the library"u8.ToArray()));

        using var get = await _client.GetObjectAsync("lake", "main/library/written.txt");
        using var reader = new StreamReader(get.ResponseStream);

        Assert.That(await reader.ReadToEndAsync(), Is.EqualTo("written by the library"), "the SDK would throw on an ETag it takes for a wrong MD5");
        var checksum = (await _server.Repository.StatObjectAsync("main", "library/written.txt")).Checksum;
        Assert.That(get.ETag, Is.EqualTo("\"" + checksum[..32] + "-1\""));
    }

    [Test]
    public async Task Writes_to_a_protected_branch_are_access_denied_and_stage_nothing()
    {
        await _server.Repository.BranchAsync("guarded", "main");
        await _server.Repository.PutObjectAsync("guarded", "kept.txt", new MemoryStream("kept"u8.ToArray()));
        await _server.Repository.ProtectBranchesAsync("guarded");

        var put = Assert.CatchAsync<AmazonS3Exception>(async () =>
            await _client.PutObjectAsync(new PutObjectRequest { BucketName = "lake", Key = "guarded/new.txt", ContentBody = "x" }));
        var delete = Assert.CatchAsync<AmazonS3Exception>(async () => await _client.DeleteObjectAsync("lake", "guarded/kept.txt"));
        var copy = Assert.CatchAsync<AmazonS3Exception>(async () => await _client.CopyObjectAsync("lake", "guarded/kept.txt", "lake", "guarded/copy.txt"));

        foreach (var error in new[] { put, delete, copy })
        {
            Assert.That(error!.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(error.ErrorCode, Is.EqualTo("AccessDenied"));
        }
        var paths = new List<string>();
        await foreach (var item in _server.Repository.ListObjectsAsync("guarded", ""))
        {
            paths.Add(item.Path);
        }
        Assert.That(paths, Does.Contain("kept.txt").And.Not.Contain("new.txt").And.Not.Contain("copy.txt"));
    }

    [TestCase(2, 5, "2345")]
    [TestCase(7, 100, "789")]
    [TestCase(0, 0, "0")]
    public async Task Get_with_a_range_returns_partial_content(long start, long end, string expected)
    {
        await PutTextAsync("main/range/digits", "0123456789");

        using var get = await _client.GetObjectAsync(new GetObjectRequest { BucketName = "lake", Key = "main/range/digits", ByteRange = new ByteRange(start, end) });
        using var reader = new StreamReader(get.ResponseStream);

        Assert.That(get.HttpStatusCode, Is.EqualTo(HttpStatusCode.PartialContent));
        Assert.That(await reader.ReadToEndAsync(), Is.EqualTo(expected));
        Assert.That(get.ContentRange, Is.EqualTo($"bytes {start}-{start + expected.Length - 1}/10"));
    }

    [Test]
    public async Task Suffix_ranges_and_unsatisfiable_ranges()
    {
        await PutTextAsync("main/range/suffix", "0123456789");

        using var get = await _client.GetObjectAsync(new GetObjectRequest { BucketName = "lake", Key = "main/range/suffix", ByteRange = new ByteRange("bytes=-3") });
        using var reader = new StreamReader(get.ResponseStream);
        Assert.That(await reader.ReadToEndAsync(), Is.EqualTo("789"));

        var error = Assert.CatchAsync<AmazonS3Exception>(async () =>
            await _client.GetObjectAsync(new GetObjectRequest { BucketName = "lake", Key = "main/range/suffix", ByteRange = new ByteRange(10, 20) }));
        Assert.That(error!.StatusCode, Is.EqualTo(HttpStatusCode.RequestedRangeNotSatisfiable));
        Assert.That(error.ErrorCode, Is.EqualTo("InvalidRange"));
    }

    [Test]
    public async Task Conditional_gets_answer_not_modified_and_precondition_failed()
    {
        var put = await PutTextAsync("main/cond/x", "conditional");

        var notModified = Assert.CatchAsync<AmazonS3Exception>(async () =>
            await _client.GetObjectAsync(new GetObjectRequest { BucketName = "lake", Key = "main/cond/x", EtagToNotMatch = put.ETag }));
        var failed = Assert.CatchAsync<AmazonS3Exception>(async () =>
            await _client.GetObjectAsync(new GetObjectRequest { BucketName = "lake", Key = "main/cond/x", EtagToMatch = "\"0123\"" }));
        var notModifiedSince = Assert.CatchAsync<AmazonS3Exception>(async () =>
            await _client.GetObjectAsync(new GetObjectRequest { BucketName = "lake", Key = "main/cond/x", ModifiedSinceDate = DateTime.UtcNow.AddMinutes(5) }));
        using var matched = await _client.GetObjectAsync(new GetObjectRequest { BucketName = "lake", Key = "main/cond/x", EtagToMatch = put.ETag, ModifiedSinceDate = DateTime.UtcNow.AddDays(-1) });

        Assert.That(notModified!.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
        Assert.That(failed!.StatusCode, Is.EqualTo(HttpStatusCode.PreconditionFailed));
        Assert.That(failed.ErrorCode, Is.EqualTo("PreconditionFailed"));
        Assert.That(notModifiedSince!.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
        Assert.That(matched.HttpStatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Head_reports_size_and_etag_and_a_missing_key_is_no_such_key()
    {
        var put = await PutTextAsync("main/head/x", "12345");

        var head = await _client.GetObjectMetadataAsync("lake", "main/head/x");
        var missing = Assert.CatchAsync<AmazonS3Exception>(async () => await _client.GetObjectAsync("lake", "main/head/missing"));
        var noBucket = Assert.CatchAsync<AmazonS3Exception>(async () => await _client.GetObjectAsync("nobucket", "main/x"));
        var noRef = Assert.CatchAsync<AmazonS3Exception>(async () => await _client.GetObjectAsync("lake", "noref/x"));

        Assert.That(head.ContentLength, Is.EqualTo(5));
        Assert.That(head.ETag, Is.EqualTo(put.ETag));
        Assert.That(missing!.ErrorCode, Is.EqualTo("NoSuchKey"));
        Assert.That(noBucket!.ErrorCode, Is.EqualTo("NoSuchBucket"));
        Assert.That(noRef!.ErrorCode, Is.EqualTo("NoSuchKey"));
    }

    [Test]
    public async Task A_whole_object_get_of_damaged_bytes_is_cut_short_but_a_range_is_served()
    {
        await PutTextAsync("main/damaged/x", "original content");
        var info = await _server.Repository.StatObjectAsync("main", "damaged/x");
        var file = Path.Combine(_server.Folder.Path, "lake", "objects", info.PhysicalAddress);
        await File.WriteAllTextAsync(file, "ORIGINAL content");

        Assert.That(async () => await ReadAsync("main/damaged/x"), Throws.Exception, "the response ends early instead of delivering damaged bytes");
        using var range = await _client.GetObjectAsync(new GetObjectRequest { BucketName = "lake", Key = "main/damaged/x", ByteRange = new ByteRange(9, 15) });
        using var reader = new StreamReader(range.ResponseStream);
        Assert.That(await reader.ReadToEndAsync(), Is.EqualTo("content"), "ranges are not verified (no checksum covers them)");
    }

    [Test]
    public async Task Put_if_none_match_refuses_an_existing_key()
    {
        await PutTextAsync("main/cond/taken", "old");

        var error = Assert.CatchAsync<AmazonS3Exception>(async () =>
            await _client.PutObjectAsync(new PutObjectRequest { BucketName = "lake", Key = "main/cond/taken", ContentBody = "new", IfNoneMatch = "*" }));

        Assert.That(error!.StatusCode, Is.EqualTo(HttpStatusCode.PreconditionFailed));
        Assert.That(await ReadAsync("main/cond/taken"), Is.EqualTo("old"));
    }

    [Test]
    public async Task Copy_inside_a_repository_links_the_same_bytes_and_across_repositories_copies_them()
    {
        var request = new PutObjectRequest { BucketName = "lake", Key = "main/copy/source.csv", ContentBody = "a,b\n1,2\n", ContentType = "text/csv" };
        request.Metadata.Add("origin", "test");
        var put = await _client.PutObjectAsync(request);

        var inside = await _client.CopyObjectAsync("lake", "main/copy/source.csv", "lake", "main/copy/linked.csv");
        var across = await _client.CopyObjectAsync("lake", "main/copy/source.csv", "other", "main/copied.csv");

        var source = await _server.Repository.StatObjectAsync("main", "copy/source.csv");
        var linked = await _server.Repository.StatObjectAsync("main", "copy/linked.csv");
        var copied = await _server.Other.StatObjectAsync("main", "copied.csv");
        Assert.That(linked.PhysicalAddress, Is.EqualTo(source.PhysicalAddress), "zero-copy: the entry points at the source's bytes");
        Assert.That(linked.Metadata["origin"], Is.EqualTo("test"));
        Assert.That(linked.ContentType, Is.EqualTo("text/csv"));
        Assert.That(inside.ETag, Is.EqualTo(put.ETag));
        Assert.That(across.ETag, Is.EqualTo(put.ETag));
        Assert.That(copied.Checksum, Is.EqualTo(source.Checksum));
        using var get = await _client.GetObjectAsync("other", "main/copied.csv");
        using var reader = new StreamReader(get.ResponseStream);
        Assert.That(await reader.ReadToEndAsync(), Is.EqualTo("a,b\n1,2\n"));
    }

    [Test]
    public async Task Copy_with_replaced_metadata_and_from_a_tag()
    {
        await PutTextAsync("main/copy/tagged.txt", "tagged");
        await _server.Repository.CommitAsync("main", "for the tag");
        await _server.Repository.TagAsync("copy-tag", "main");
        var request = new CopyObjectRequest
        {
            SourceBucket = "lake", SourceKey = "copy-tag/copy/tagged.txt", DestinationBucket = "lake", DestinationKey = "main/copy/from-tag.txt",
            MetadataDirective = S3MetadataDirective.REPLACE, ContentType = "text/x-new",
        };
        request.Metadata.Add("fresh", "yes");

        await _client.CopyObjectAsync(request);

        var info = await _server.Repository.StatObjectAsync("main", "copy/from-tag.txt");
        Assert.That(info.ContentType, Is.EqualTo("text/x-new"));
        Assert.That(info.Metadata.Keys.Where(k => k != "lakefs-s3-etag"), Is.EqualTo(new[] { "fresh" }));
        Assert.That(await ReadAsync("main/copy/from-tag.txt"), Is.EqualTo("tagged"));
    }

    [Test]
    public async Task Delete_and_delete_objects_remove_keys_and_report_errors_per_key()
    {
        foreach (var name in new[] { "a", "b", "c" })
        {
            await PutTextAsync($"main/del/{name}", name);
        }
        await _client.DeleteObjectAsync("lake", "main/del/a");
        await _client.DeleteObjectAsync("lake", "main/del/never-existed");

        var failure = Assert.CatchAsync<DeleteObjectsException>(async () => await _client.DeleteObjectsAsync(new DeleteObjectsRequest
        {
            BucketName = "lake",
            Objects = [new KeyVersion { Key = "main/del/b" }, new KeyVersion { Key = "main/del/missing" }, new KeyVersion { Key = "main@/del/c" }],
        }));
        var result = failure!.Response;

        Assert.That(result.DeletedObjects.Select(d => d.Key), Is.EquivalentTo(new[] { "main/del/b", "main/del/missing" }));
        Assert.That(result.DeleteErrors.Select(e => (e.Key, e.Code)), Is.EqualTo(new[] { ("main@/del/c", "MethodNotAllowed") }));
        var left = new List<string>();
        await foreach (var item in _server.Repository.ListObjectsAsync("main", "del/"))
        {
            left.Add(item.Path);
        }
        Assert.That(left, Is.EqualTo(new[] { "del/c" }));
    }

    [Test]
    public async Task A_branch_written_through_the_gateway_and_merged_by_the_library_reads_back_at_main_and_at_a_tag_and_commit()
    {
        await _server.Repository.BranchAsync("ingest", "main");
        await PutTextAsync("ingest/merged/part-0.csv", "x,y\n");
        await _server.Repository.CommitAsync("ingest", "Load through S3");
        var merged = await _server.Repository.MergeAsync("ingest", "main");
        await _server.Repository.TagAsync("after-merge", "main");

        Assert.That(await ReadAsync("main/merged/part-0.csv"), Is.EqualTo("x,y\n"));
        Assert.That(await ReadAsync("after-merge/merged/part-0.csv"), Is.EqualTo("x,y\n"));
        Assert.That(await ReadAsync($"{merged.Head}/merged/part-0.csv"), Is.EqualTo("x,y\n"));
        Assert.That(await ReadAsync("main@/merged/part-0.csv"), Is.EqualTo("x,y\n"));
    }

    private Task<PutObjectResponse> PutTextAsync(string key, string text) =>
        _client.PutObjectAsync(new PutObjectRequest { BucketName = "lake", Key = key, ContentBody = text });

    private async Task<string> ReadAsync(string key)
    {
        using var get = await _client.GetObjectAsync("lake", key);
        using var reader = new StreamReader(get.ResponseStream, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }
}
