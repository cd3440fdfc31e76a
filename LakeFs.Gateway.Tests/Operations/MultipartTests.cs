using System.Net;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using LakeFs.Core.Model;
using LakeFs.Gateway.Operations;
using LakeFs.Gateway.Tests.TestSupport;

namespace LakeFs.Gateway.Tests.Operations;

/// <summary>Multipart uploads through the AWS SDK: parts become one object; abort, failures and expiry leave nothing behind.</summary>
public sealed class MultipartTests
{
    private const int PartSize = 5 * 1024 * 1024;
    private GatewayServer _server = null!;
    private AmazonS3Client _client = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _server = await GatewayServer.StartAsync();
        _client = _server.CreateClient();
    }

    [TearDown]
    public async Task StopAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Test]
    public async Task Parts_become_one_object_with_the_multipart_etag_and_the_upload_is_cleaned_up()
    {
        var bytes = RandomBytes(2 * PartSize + 12_345, seed: 1);
        var request = new InitiateMultipartUploadRequest { BucketName = "lake", Key = "main/mp/object.bin", ContentType = "application/x-test" };
        request.Metadata.Add("origin", "multipart");
        var upload = await _client.InitiateMultipartUploadAsync(request);
        var etags = new List<PartETag>();
        for (var i = 0; i < 3; i++)
        {
            var length = Math.Min(PartSize, bytes.Length - i * PartSize);
            var part = await _client.UploadPartAsync(new UploadPartRequest
            {
                BucketName = "lake", Key = "main/mp/object.bin", UploadId = upload.UploadId, PartNumber = i + 1,
                InputStream = new MemoryStream(bytes, i * PartSize, length),
            });
            Assert.That(part.ETag, Is.EqualTo("\"" + Convert.ToHexStringLower(MD5.HashData(bytes.AsSpan(i * PartSize, length))) + "\""));
            etags.Add(new PartETag(i + 1, part.ETag));
        }

        var listed = await _client.ListPartsAsync("lake", "main/mp/object.bin", upload.UploadId);
        var completed = await _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = "lake", Key = "main/mp/object.bin", UploadId = upload.UploadId, PartETags = etags,
        });

        Assert.That(listed.Parts.Select(p => (p.PartNumber, p.ETag, p.Size)), Is.EqualTo(etags.Select((e, i) => ((int?)e.PartNumber, e.ETag, (long?)Math.Min(PartSize, bytes.Length - i * PartSize)))));
        var md5s = etags.SelectMany(e => Convert.FromHexString(e.ETag.Trim('"'))).ToArray();
        Assert.That(completed.ETag, Is.EqualTo("\"" + Convert.ToHexStringLower(MD5.HashData(md5s)) + "-3\""));
        var info = await _server.Repository.StatObjectAsync("main", "mp/object.bin");
        Assert.That(info.Size, Is.EqualTo(bytes.Length));
        Assert.That(info.ContentType, Is.EqualTo("application/x-test"));
        Assert.That(info.Metadata["origin"], Is.EqualTo("multipart"));
        Assert.That(info.Checksum, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(bytes))));
        using var get = await _client.GetObjectAsync("lake", "main/mp/object.bin");
        using var copy = new MemoryStream();
        await get.ResponseStream.CopyToAsync(copy);
        Assert.That(copy.ToArray().AsSpan().SequenceEqual(bytes), Is.True);
        Assert.That(get.ETag, Is.EqualTo(completed.ETag));
        Assert.That(await UploadObjectCountAsync(), Is.Zero, "parts and manifest deleted");
    }

    [Test]
    public async Task Upload_part_copy_takes_whole_objects_and_byte_ranges_from_any_ref()
    {
        var first = RandomBytes(PartSize + 100, seed: 7);
        var second = RandomBytes(300_000, seed: 8);
        await _server.Repository.PutObjectAsync("main", "src/first.bin", new MemoryStream(first));
        await _server.Repository.CommitAsync("main", "sources");
        await _server.Repository.TagAsync("sources", "main");
        await _server.Repository.PutObjectAsync("main", "src/second.bin", new MemoryStream(second));
        var upload = await _client.InitiateMultipartUploadAsync("lake", "main/mp/copied.bin");

        var whole = await _client.CopyPartAsync(new CopyPartRequest
        {
            SourceBucket = "lake", SourceKey = "sources/src/first.bin", DestinationBucket = "lake", DestinationKey = "main/mp/copied.bin",
            UploadId = upload.UploadId, PartNumber = 1,
        });
        var ranged = await _client.CopyPartAsync(new CopyPartRequest
        {
            SourceBucket = "lake", SourceKey = "main/src/second.bin", DestinationBucket = "lake", DestinationKey = "main/mp/copied.bin",
            UploadId = upload.UploadId, PartNumber = 2, FirstByte = 1000, LastByte = 200_999,
        });
        var pastTheEnd = Assert.CatchAsync<AmazonS3Exception>(async () => await _client.CopyPartAsync(new CopyPartRequest
        {
            SourceBucket = "lake", SourceKey = "main/src/second.bin", DestinationBucket = "lake", DestinationKey = "main/mp/copied.bin",
            UploadId = upload.UploadId, PartNumber = 3, FirstByte = 0, LastByte = 300_000,
        }));
        await _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = "lake", Key = "main/mp/copied.bin", UploadId = upload.UploadId,
            PartETags = [new PartETag(1, whole.ETag), new PartETag(2, ranged.ETag)],
        });

        Assert.That(whole.ETag, Is.EqualTo("\"" + Convert.ToHexStringLower(MD5.HashData(first)) + "\""));
        Assert.That(ranged.ETag, Is.EqualTo("\"" + Convert.ToHexStringLower(MD5.HashData(second.AsSpan(1000, 200_000))) + "\""));
        Assert.That(pastTheEnd!.StatusCode, Is.EqualTo(HttpStatusCode.RequestedRangeNotSatisfiable));
        using var read = await _server.Repository.OpenReadAsync("main", "mp/copied.bin");
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        Assert.That(copy.ToArray(), Is.EqualTo(first.Concat(second.AsSpan(1000, 200_000).ToArray()).ToArray()));
    }

    [Test]
    public async Task Uploads_in_progress_are_listed_by_key_with_prefix_delimiter_and_pages()
    {
        var started = new List<(string Key, string UploadId)>();
        foreach (var key in new[] { "main/b/2.bin", "main/a.bin", "main/b/1.bin", "main/a.bin", "dev/x.bin" })
        {
            if (key.StartsWith("dev/", StringComparison.Ordinal) && started.All(s => !s.Key.StartsWith("dev/", StringComparison.Ordinal)))
            {
                await _server.Repository.BranchAsync("dev", "main");
            }
            started.Add((key, (await _client.InitiateMultipartUploadAsync("lake", key)).UploadId));
        }
        var completed = started[0];
        await _client.AbortMultipartUploadAsync("lake", completed.Key, completed.UploadId);
        var expected = started.Skip(1).OrderBy(s => s.Key, StringComparer.Ordinal).ThenBy(s => s.UploadId, StringComparer.Ordinal).ToList();

        var all = await _client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = "lake" });
        Assert.That(all.MultipartUploads.Select(u => (u.Key, u.UploadId)), Is.EqualTo(expected));
        Assert.That(all.IsTruncated, Is.False);

        var folders = await _client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = "lake", Prefix = "main/", Delimiter = "/" });
        Assert.That(folders.MultipartUploads.Select(u => u.Key), Is.EqualTo(new[] { "main/a.bin", "main/a.bin" }));
        Assert.That(folders.CommonPrefixes, Is.EqualTo(new[] { "main/b/" }));

        var paged = new List<(string, string)>();
        string? keyMarker = null, uploadIdMarker = null;
        for (var pages = 0; ; pages++)
        {
            Assert.That(pages, Is.LessThan(10));
            var page = await _client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest
            {
                BucketName = "lake", MaxUploads = 1, KeyMarker = keyMarker, UploadIdMarker = uploadIdMarker,
            });
            paged.AddRange(page.MultipartUploads.Select(u => (u.Key, u.UploadId)));
            if (page.IsTruncated != true)
            {
                break;
            }
            (keyMarker, uploadIdMarker) = (page.NextKeyMarker, page.NextUploadIdMarker);
        }
        Assert.That(paged, Is.EqualTo(expected), "pages of one upload, resumed by key and upload id, add up to the whole listing");
    }

    [Test]
    public async Task Abort_deletes_the_parts_and_stages_nothing()
    {
        var upload = await _client.InitiateMultipartUploadAsync("lake", "main/mp/aborted.bin");
        await _client.UploadPartAsync(new UploadPartRequest
        {
            BucketName = "lake", Key = "main/mp/aborted.bin", UploadId = upload.UploadId, PartNumber = 1, InputStream = new MemoryStream(RandomBytes(1000, 2)),
        });

        await _client.AbortMultipartUploadAsync("lake", "main/mp/aborted.bin", upload.UploadId);

        Assert.That(await UploadObjectCountAsync(), Is.Zero);
        var error = Assert.CatchAsync<AmazonS3Exception>(async () => await _client.ListPartsAsync("lake", "main/mp/aborted.bin", upload.UploadId));
        Assert.That(error!.ErrorCode, Is.EqualTo("NoSuchUpload"));
        await AssertNothingOnMainAsync();
    }

    [Test]
    public async Task A_completion_listing_a_wrong_etag_or_a_small_part_is_refused_and_stages_nothing()
    {
        var upload = await _client.InitiateMultipartUploadAsync("lake", "main/mp/bad.bin");
        var one = await _client.UploadPartAsync(new UploadPartRequest
        {
            BucketName = "lake", Key = "main/mp/bad.bin", UploadId = upload.UploadId, PartNumber = 1, InputStream = new MemoryStream(RandomBytes(1000, 3)),
        });
        var two = await _client.UploadPartAsync(new UploadPartRequest
        {
            BucketName = "lake", Key = "main/mp/bad.bin", UploadId = upload.UploadId, PartNumber = 2, InputStream = new MemoryStream(RandomBytes(1000, 4)),
        });

        var wrongEtag = Assert.CatchAsync<AmazonS3Exception>(async () => await _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = "lake", Key = "main/mp/bad.bin", UploadId = upload.UploadId, PartETags = [new PartETag(1, "\"00000000000000000000000000000000\"")],
        }));
        var tooSmall = Assert.CatchAsync<AmazonS3Exception>(async () => await _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = "lake", Key = "main/mp/bad.bin", UploadId = upload.UploadId, PartETags = [new PartETag(1, one.ETag), new PartETag(2, two.ETag)],
        }));
        var missing = Assert.CatchAsync<AmazonS3Exception>(async () => await _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = "lake", Key = "main/mp/bad.bin", UploadId = upload.UploadId, PartETags = [new PartETag(3, one.ETag)],
        }));

        Assert.That(wrongEtag!.ErrorCode, Is.EqualTo("InvalidPart"));
        Assert.That(tooSmall!.ErrorCode, Is.EqualTo("EntityTooSmall"));
        Assert.That(missing!.ErrorCode, Is.EqualTo("InvalidPart"));
        await AssertNothingOnMainAsync();
        Assert.That(await UploadObjectCountAsync(), Is.EqualTo(3), "the upload stays until completed or aborted");
    }

    [Test]
    public async Task An_upload_id_that_was_never_issued_is_no_such_upload()
    {
        foreach (var uploadId in new[] { "0123456789abcdef0123456789abcdef", "../../_lakefs", "x" })
        {
            var error = Assert.CatchAsync<AmazonS3Exception>(async () => await _client.UploadPartAsync(new UploadPartRequest
            {
                BucketName = "lake", Key = "main/mp/x", UploadId = uploadId, PartNumber = 1, InputStream = new MemoryStream([1]),
            }));
            Assert.That(error!.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), uploadId);
            Assert.That(error.ErrorCode, Is.EqualTo("NoSuchUpload"), uploadId);
        }
    }

    [Test]
    public async Task Uploads_to_a_tag_are_refused_when_they_start()
    {
        await _server.Repository.TagAsync("frozen", "main");

        var error = Assert.CatchAsync<AmazonS3Exception>(async () => await _client.InitiateMultipartUploadAsync("lake", "frozen/x.bin"));

        Assert.That(error!.ErrorCode, Is.EqualTo("MethodNotAllowed"));
        Assert.That(await UploadObjectCountAsync(), Is.Zero);
    }

    [Test]
    public async Task Expired_uploads_are_deleted_and_fresh_ones_kept()
    {
        var old = await _client.InitiateMultipartUploadAsync("lake", "main/mp/old.bin");
        await _client.UploadPartAsync(new UploadPartRequest
        {
            BucketName = "lake", Key = "main/mp/old.bin", UploadId = old.UploadId, PartNumber = 1, InputStream = new MemoryStream([1, 2, 3]),
        });

        var kept = await MultipartOperations.DeleteUploadsOlderThanAsync(_server.Repository, DateTimeOffset.UtcNow.AddHours(-1), CancellationToken.None);
        var deleted = await MultipartOperations.DeleteUploadsOlderThanAsync(_server.Repository, DateTimeOffset.UtcNow.AddMinutes(1), CancellationToken.None);

        Assert.That(kept, Is.Zero);
        Assert.That(deleted, Is.EqualTo(1));
        Assert.That(await UploadObjectCountAsync(), Is.Zero);
    }

    [Test]
    public async Task A_client_that_disconnects_mid_part_leaves_no_part()
    {
        var upload = await _client.InitiateMultipartUploadAsync("lake", "main/mp/cut.bin");
        var signer = new TestSigner(GatewayServer.AccessKeyId, GatewayServer.SecretAccessKey);
        var host = new Uri(_server.Endpoint).Authority;
        var query = $"partNumber=1&uploadId={upload.UploadId}";
        var (headers, _) = signer.SignHeaders("PUT", host, "/lake/main/mp/cut.bin", query, "UNSIGNED-PAYLOAD", DateTimeOffset.UtcNow,
            new Dictionary<string, string> { ["content-length"] = "10000000" });

        var handled = _server.RequestsHandled;
        await RawHttp.SendAsync(_server.Endpoint, "PUT", "/lake/main/mp/cut.bin?" + query, headers, new byte[1_000_000], closeAfterBody: true);

        // The gateway notices the disconnect while the part streams and cleans up before it is done with the request.
        await _server.WaitUntilHandledAsync(handled + 1);
        Assert.That(await UploadObjectCountAsync(), Is.EqualTo(1), "only the upload's manifest");
        var parts = await _client.ListPartsAsync("lake", "main/mp/cut.bin", upload.UploadId);
        Assert.That(parts.Parts ?? [], Is.Empty);
    }

    private async Task<int> UploadObjectCountAsync()
    {
        var count = 0;
        await foreach (var _ in _server.Repository.ObjectStore.ListAsync(MultipartOperations.Prefix))
        {
            count++;
        }
        return count;
    }

    private async Task AssertNothingOnMainAsync()
    {
        var items = new List<ListItem>();
        await foreach (var item in _server.Repository.ListObjectsAsync("main"))
        {
            items.Add(item);
        }
        Assert.That(items, Is.Empty);
        var data = 0;
        await foreach (var _ in _server.Repository.ObjectStore.ListAsync("data/"))
        {
            data++;
        }
        Assert.That(data, Is.Zero, "no object bytes left under data/");
    }

    private static byte[] RandomBytes(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
