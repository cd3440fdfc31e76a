using System.Net;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using LakeFs.Core.Model;
using LakeFs.Gateway.Tests.TestSupport;

namespace LakeFs.Gateway.Tests.Auth;

/// <summary>
/// Requests a client can send to hurt the gateway: unsigned, wrongly signed, expired, tampered, truncated, huge,
/// traversing. Each is refused with S3 error XML and its status, leaves nothing staged and no bytes behind, and the
/// gateway keeps serving.
/// </summary>
public sealed class HostileRequestTests
{
    private GatewayServer _server = null!;
    private TestSigner _signer = null!;
    private string _host = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _server = await GatewayServer.StartAsync();
        _signer = new TestSigner(GatewayServer.AccessKeyId, GatewayServer.SecretAccessKey);
        _host = new Uri(_server.Endpoint).Authority;
    }

    [TearDown]
    public async Task StopAsync()
    {
        await AssertStillServingAsync();
        await _server.DisposeAsync();
    }

    [Test]
    public async Task An_unsigned_request_is_refused_with_access_denied()
    {
        using var http = new HttpClient();
        var response = await http.GetAsync($"{_server.Endpoint}/{GatewayServer.Bucket}/main/x");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(body, Does.Contain("<Code>AccessDenied</Code>"));
    }

    [Test]
    public async Task A_request_signed_with_a_wrong_secret_is_refused_and_writes_nothing()
    {
        using var client = _server.CreateClient(secret: "not-the-secret");

        var error = Assert.CatchAsync<AmazonS3Exception>(async () =>
            await client.PutObjectAsync(new PutObjectRequest { BucketName = GatewayServer.Bucket, Key = "main/x", ContentBody = "x" }));

        Assert.That(error!.ErrorCode, Is.EqualTo("SignatureDoesNotMatch"));
        Assert.That(error.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        await AssertNothingWrittenAsync();
    }

    [Test]
    public async Task An_unknown_access_key_is_refused()
    {
        var signer = new TestSigner("AKIDUNKNOWN", GatewayServer.SecretAccessKey);
        var (headers, _) = signer.SignHeaders("GET", _host, "/lake/main/x", "", TestSigner.EmptySha256, DateTimeOffset.UtcNow);

        var (status, body) = await RawHttp.SendAsync(_server.Endpoint, "GET", "/lake/main/x", headers);

        Assert.That(status, Is.EqualTo(403));
        Assert.That(body, Does.Contain("<Code>InvalidAccessKeyId</Code>"));
    }

    [Test]
    public async Task A_request_signed_an_hour_ago_is_refused_as_skewed()
    {
        var (headers, _) = _signer.SignHeaders("GET", _host, "/lake/main/x", "", TestSigner.EmptySha256, DateTimeOffset.UtcNow.AddHours(-1));

        var (status, body) = await RawHttp.SendAsync(_server.Endpoint, "GET", "/lake/main/x", headers);

        Assert.That(status, Is.EqualTo(403));
        Assert.That(body, Does.Contain("<Code>RequestTimeTooSkewed</Code>"));
    }

    [Test]
    public async Task A_presigned_url_works_until_it_expires()
    {
        await _server.Repository.PutObjectAsync("main", "doc.txt", new MemoryStream("presigned"u8.ToArray()));

        var fresh = _signer.Presign("GET", _host, "/lake/main/doc.txt", DateTimeOffset.UtcNow, 300);
        var expired = _signer.Presign("GET", _host, "/lake/main/doc.txt", DateTimeOffset.UtcNow.AddMinutes(-10), 60);
        var tampered = fresh.Replace("doc.txt", "doc.txx", StringComparison.Ordinal);

        var ok = await RawHttp.SendAsync(_server.Endpoint, "GET", fresh, new Dictionary<string, string> { ["host"] = _host });
        var late = await RawHttp.SendAsync(_server.Endpoint, "GET", expired, new Dictionary<string, string> { ["host"] = _host });
        var changed = await RawHttp.SendAsync(_server.Endpoint, "GET", tampered, new Dictionary<string, string> { ["host"] = _host });

        Assert.That(ok, Is.EqualTo((200, "presigned")));
        Assert.That(late.Status, Is.EqualTo(403));
        Assert.That(late.Body, Does.Contain("<Code>AccessDenied</Code>").And.Contain("expired"));
        Assert.That(changed.Status, Is.EqualTo(403));
        Assert.That(changed.Body, Does.Contain("<Code>SignatureDoesNotMatch</Code>"));
    }

    [TestCase("/lake/main/../main/escape")]
    [TestCase("/lake/main/a/../../../etc/passwd")]
    [TestCase("/lake/main/%2e%2e/%2e%2e/outside")]
    [TestCase("/lake/main/./x")]
    [TestCase("/lake/main//etc/passwd")]
    [TestCase("/lake/..%2f..%2fetc/passwd")]
    public async Task Traversing_keys_are_refused_and_write_nothing(string path)
    {
        var content = "evil"u8.ToArray();
        var (headers, _) = _signer.SignHeaders("PUT", _host, Canonical(path), "", TestSigner.Sha256Hex(content), DateTimeOffset.UtcNow);

        var (status, body) = await RawHttp.SendAsync(_server.Endpoint, "PUT", path, headers, content);

        Assert.That(status, Is.AnyOf(400, 404), body);
        Assert.That(body, Does.Contain("<Error>"));
        await AssertNothingWrittenAsync();
        Assert.That(Directory.EnumerateFileSystemEntries(_server.Folder.Path).Select(Path.GetFileName), Is.EquivalentTo(new[] { "lake", "other" }));
    }

    [Test]
    public async Task A_key_with_a_nul_is_refused_by_the_server_and_writes_nothing()
    {
        var (headers, _) = _signer.SignHeaders("PUT", _host, "/lake/main/a%00b", "", TestSigner.Sha256Hex("x"u8.ToArray()), DateTimeOffset.UtcNow);

        var (status, _) = await RawHttp.SendAsync(_server.Endpoint, "PUT", "/lake/main/a%00b", headers, "x"u8.ToArray());

        Assert.That(status, Is.EqualTo(400), "Kestrel refuses a NUL in the path before the gateway sees it");
        await AssertNothingWrittenAsync();
    }

    [Test]
    public async Task A_body_that_does_not_match_its_signed_sha256_is_refused_and_leaves_no_bytes()
    {
        var (headers, _) = _signer.SignHeaders("PUT", _host, "/lake/main/x", "", TestSigner.Sha256Hex("signed"u8.ToArray()), DateTimeOffset.UtcNow);

        var (status, body) = await RawHttp.SendAsync(_server.Endpoint, "PUT", "/lake/main/x", headers, "sent!!"u8.ToArray());

        Assert.That(status, Is.EqualTo(400));
        Assert.That(body, Does.Contain("<Code>XAmzContentSHA256Mismatch</Code>"));
        await AssertNothingWrittenAsync();
    }

    [Test]
    public async Task A_signed_aws_chunked_body_is_decoded_and_stored_without_its_framing()
    {
        var content = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("chunked body ", 1000)));
        var time = DateTimeOffset.UtcNow;
        var (headers, seed) = _signer.SignHeaders("PUT", _host, "/lake/main/chunked.txt", "", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", time,
            new Dictionary<string, string> { ["x-amz-decoded-content-length"] = content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), ["content-encoding"] = "aws-chunked" });

        var (status, body) = await RawHttp.SendAsync(_server.Endpoint, "PUT", "/lake/main/chunked.txt", headers, _signer.ChunkedBody(content, 4096, seed, time));

        Assert.That(status, Is.EqualTo(200), body);
        await using var stored = await _server.Repository.OpenReadAsync("main", "chunked.txt");
        using var copy = new MemoryStream();
        await stored.CopyToAsync(copy);
        Assert.That(copy.ToArray(), Is.EqualTo(content));
    }

    [Test]
    public async Task A_tampered_aws_chunk_is_refused_and_leaves_no_bytes()
    {
        var content = new byte[20_000];
        Random.Shared.NextBytes(content);
        var time = DateTimeOffset.UtcNow;
        var (headers, seed) = _signer.SignHeaders("PUT", _host, "/lake/main/x", "", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", time,
            new Dictionary<string, string> { ["x-amz-decoded-content-length"] = "20000" });
        var chunked = _signer.ChunkedBody(content, 8192, seed, time);
        chunked[^100] ^= 1; // a byte of the last data chunk

        var (status, body) = await RawHttp.SendAsync(_server.Endpoint, "PUT", "/lake/main/x", headers, chunked);

        Assert.That(status, Is.EqualTo(403));
        Assert.That(body, Does.Contain("<Code>SignatureDoesNotMatch</Code>"));
        await AssertNothingWrittenAsync();
    }

    [Test]
    public async Task A_truncated_aws_chunked_body_is_refused_and_leaves_no_bytes()
    {
        var content = new byte[20_000];
        var time = DateTimeOffset.UtcNow;
        var (headers, seed) = _signer.SignHeaders("PUT", _host, "/lake/main/x", "", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", time,
            new Dictionary<string, string> { ["x-amz-decoded-content-length"] = "20000" });
        var chunked = _signer.ChunkedBody(content, 8192, seed, time);

        var (status, body) = await RawHttp.SendAsync(_server.Endpoint, "PUT", "/lake/main/x", headers, chunked[..^200]);

        Assert.That(status, Is.EqualTo(400));
        Assert.That(body, Does.Contain("<Code>IncompleteBody</Code>"));
        await AssertNothingWrittenAsync();
    }

    [Test]
    public async Task A_client_that_disconnects_mid_upload_leaves_nothing_staged()
    {
        var (headers, _) = _signer.SignHeaders("PUT", _host, "/lake/main/x", "", "UNSIGNED-PAYLOAD", DateTimeOffset.UtcNow,
            new Dictionary<string, string> { ["content-length"] = "10000000" });

        var handled = _server.RequestsHandled;
        await RawHttp.SendAsync(_server.Endpoint, "PUT", "/lake/main/x", headers, new byte[1_000_000], closeAfterBody: true);

        // The gateway notices the disconnect while the bytes stream and cleans up before it is done with the request.
        await _server.WaitUntilHandledAsync(handled + 1);
        await AssertNothingWrittenAsync();
    }

    [Test]
    public async Task Huge_headers_are_refused_and_the_gateway_keeps_serving()
    {
        var (headers, _) = _signer.SignHeaders("GET", _host, "/lake/main/x", "", TestSigner.EmptySha256, DateTimeOffset.UtcNow);
        headers["x-amz-meta-huge"] = new string('h', 200_000);

        var (status, _) = await RawHttp.SendAsync(_server.Endpoint, "GET", "/lake/main/x", headers);

        Assert.That(status, Is.EqualTo(431));
    }

    [Test]
    public async Task Writes_to_a_tag_or_a_commit_are_refused_as_method_not_allowed()
    {
        await _server.Repository.PutObjectAsync("main", "a.txt", new MemoryStream("v1"u8.ToArray()));
        var commit = await _server.Repository.CommitAsync("main", "one");
        await _server.Repository.TagAsync("v1", "main");
        using var client = _server.CreateClient();

        foreach (var @ref in new[] { "v1", commit.Id, "main@", "main~1" })
        {
            var error = Assert.CatchAsync<AmazonS3Exception>(async () =>
                await client.PutObjectAsync(new PutObjectRequest { BucketName = GatewayServer.Bucket, Key = $"{@ref}/b.txt", ContentBody = "x" }));
            Assert.That(error!.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed), @ref);
            Assert.That(error.ErrorCode, Is.EqualTo("MethodNotAllowed"), @ref);
        }
        var missing = Assert.CatchAsync<AmazonS3Exception>(async () =>
            await client.PutObjectAsync(new PutObjectRequest { BucketName = GatewayServer.Bucket, Key = "nobranch/b.txt", ContentBody = "x" }));
        Assert.That(missing!.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await DataObjectCountAsync(), Is.EqualTo(1), "only a.txt's bytes");
    }

    /// <summary>The canonical URI a client signs: the decoded path, each segment encoded once.</summary>
    private static string Canonical(string path) => string.Join('/', Uri.UnescapeDataString(path).Split('/').Select(Uri.EscapeDataString));

    private async Task AssertNothingWrittenAsync()
    {
        var listed = new List<ListItem>();
        await foreach (var item in _server.Repository.ListObjectsAsync("main"))
        {
            listed.Add(item);
        }
        Assert.That(listed, Is.Empty, "nothing staged on main");
        Assert.That(await DataObjectCountAsync(), Is.Zero, "no object bytes left in the store");
    }

    private async Task<int> DataObjectCountAsync()
    {
        var count = 0;
        await foreach (var _ in _server.Repository.ObjectStore.ListAsync("data/"))
        {
            count++;
        }
        return count;
    }

    private async Task AssertStillServingAsync()
    {
        using var client = _server.CreateClient();
        var buckets = await client.ListBucketsAsync();
        Assert.That(buckets.Buckets.Select(b => b.BucketName), Is.EqualTo(new[] { "lake", "other" }));
    }
}
