using System.Buffers.Binary;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using LakeFs.Gateway.Tests.TestSupport;

namespace LakeFs.Gateway.Tests.Auth;

/// <summary>
/// The checksums newer S3 SDKs send with a body (x-amz-checksum-* as a header or an aws-chunked trailer): verified,
/// and a mismatch refused with BadDigest, leaving nothing staged and no bytes behind.
/// </summary>
public sealed class ChecksumTests
{
    private static readonly byte[] Content = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("checksummed body ", 500)));
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
    public async Task StopAsync() => await _server.DisposeAsync();

    [TestCase("CRC32")]
    [TestCase("CRC32C")]
    [TestCase("CRC64NVME")]
    [TestCase("SHA1")]
    [TestCase("SHA256")]
    public async Task The_SDK_sends_each_algorithm_as_a_trailer_and_the_object_is_stored(string algorithm)
    {
        using var client = _server.CreateClient();
        await client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = "lake", Key = "main/sdk.txt", InputStream = new MemoryStream(Content), ChecksumAlgorithm = new ChecksumAlgorithm(algorithm),
        });

        Assert.That(await StoredAsync("sdk.txt"), Is.EqualTo(Content));
    }

    [TestCase("crc32")]
    [TestCase("crc32c")]
    [TestCase("crc64nvme")]
    [TestCase("sha1")]
    [TestCase("sha256")]
    public async Task A_checksum_header_is_verified(string algorithm)
    {
        var (good, _) = await PutWithHeaderAsync("good.txt", algorithm, Checksum(algorithm, Content));
        var wrong = Checksum(algorithm, Content);
        wrong[0] ^= 1;
        var (bad, body) = await PutWithHeaderAsync("bad.txt", algorithm, wrong);

        Assert.That(good, Is.EqualTo(200));
        Assert.That(await StoredAsync("good.txt"), Is.EqualTo(Content));
        Assert.That(bad, Is.EqualTo(400));
        Assert.That(body, Does.Contain("<Code>BadDigest</Code>"));
        Assert.That(async () => await _server.Repository.StatObjectAsync("main", "bad.txt"), Throws.Exception, "nothing staged");
        Assert.That(await DataObjectCountAsync(), Is.EqualTo(1), "only the good object's bytes are in the store");
    }

    [Test]
    public async Task A_trailing_checksum_is_verified_and_a_missing_one_refused()
    {
        var good = Convert.ToBase64String(Checksum("crc32c", Content));
        var wrongBytes = Checksum("crc32c", Content);
        wrongBytes[3] ^= 0x80;

        var (okStatus, okBody) = await PutWithTrailerAsync("trailed.txt", $"x-amz-checksum-crc32c:{good}\r\n");
        var (badStatus, badBody) = await PutWithTrailerAsync("bad.txt", $"x-amz-checksum-crc32c:{Convert.ToBase64String(wrongBytes)}\r\n");
        var (missingStatus, missingBody) = await PutWithTrailerAsync("missing.txt", "");

        Assert.That(okStatus, Is.EqualTo(200), okBody);
        Assert.That(await StoredAsync("trailed.txt"), Is.EqualTo(Content));
        Assert.That(badStatus, Is.EqualTo(400));
        Assert.That(badBody, Does.Contain("<Code>BadDigest</Code>"));
        Assert.That(missingStatus, Is.EqualTo(400));
        Assert.That(missingBody, Does.Contain("<Code>InvalidRequest</Code>"));
        Assert.That(await DataObjectCountAsync(), Is.EqualTo(1), "the refused bodies left no bytes");
    }

    [Test]
    public async Task An_unknown_algorithm_or_two_checksums_are_invalid_requests()
    {
        var (unknown, unknownBody) = await PutWithHeaderAsync("x.txt", "crc32", Checksum("crc32", Content), new() { ["x-amz-sdk-checksum-algorithm"] = "MD7" });
        var extra = new Dictionary<string, string> { ["x-amz-checksum-sha1"] = Convert.ToBase64String(SHA1.HashData(Content)) };
        var (two, twoBody) = await PutWithHeaderAsync("y.txt", "crc32", Checksum("crc32", Content), extra);

        Assert.That(unknown, Is.EqualTo(400));
        Assert.That(unknownBody, Does.Contain("<Code>InvalidRequest</Code>"));
        Assert.That(two, Is.EqualTo(400));
        Assert.That(twoBody, Does.Contain("<Code>InvalidRequest</Code>"));
        Assert.That(await DataObjectCountAsync(), Is.Zero);
    }

    /// <summary>The checksum S3 defines for <paramref name="algorithm"/>: CRCs as big-endian integers, SHAs as digests.</summary>
    private static byte[] Checksum(string algorithm, byte[] bytes)
    {
        switch (algorithm)
        {
            case "crc32":
            case "crc32c":
                var crc32 = new byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(crc32, Crc32.HashToUInt32(algorithm == "crc32" ? Crc32ParameterSet.Crc32 : Crc32ParameterSet.Crc32C, bytes));
                return crc32;
            case "crc64nvme":
                var crc64 = new byte[8];
                BinaryPrimitives.WriteUInt64BigEndian(crc64, Crc64.HashToUInt64(Crc64ParameterSet.Nvme, bytes));
                return crc64;
            case "sha1":
                return SHA1.HashData(bytes);
            default:
                return SHA256.HashData(bytes);
        }
    }

    private async Task<(int Status, string Body)> PutWithHeaderAsync(string path, string algorithm, byte[] checksum, Dictionary<string, string>? more = null)
    {
        var extra = new Dictionary<string, string>(more ?? []) { ["x-amz-checksum-" + algorithm] = Convert.ToBase64String(checksum) };
        var (headers, _) = _signer.SignHeaders("PUT", _host, "/lake/main/" + path, "", "UNSIGNED-PAYLOAD", DateTimeOffset.UtcNow, extra);
        return await RawHttp.SendAsync(_server.Endpoint, "PUT", "/lake/main/" + path, headers, Content);
    }

    /// <summary>An unsigned aws-chunked body (STREAMING-UNSIGNED-PAYLOAD-TRAILER) announcing a crc32c trailer and ending with <paramref name="trailers"/>.</summary>
    private async Task<(int Status, string Body)> PutWithTrailerAsync(string path, string trailers)
    {
        var body = new MemoryStream();
        for (var offset = 0; offset < Content.Length; offset += 3000)
        {
            var length = Math.Min(3000, Content.Length - offset);
            body.Write(Encoding.ASCII.GetBytes($"{length:x}\r\n"));
            body.Write(Content, offset, length);
            body.Write("\r\n"u8);
        }
        body.Write(Encoding.ASCII.GetBytes($"0\r\n{trailers}\r\n"));
        var extra = new Dictionary<string, string>
        {
            ["content-encoding"] = "aws-chunked",
            ["x-amz-decoded-content-length"] = Content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["x-amz-trailer"] = "x-amz-checksum-crc32c",
        };
        var (headers, _) = _signer.SignHeaders("PUT", _host, "/lake/main/" + path, "", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", DateTimeOffset.UtcNow, extra);
        return await RawHttp.SendAsync(_server.Endpoint, "PUT", "/lake/main/" + path, headers, body.ToArray());
    }

    private async Task<byte[]> StoredAsync(string path)
    {
        await using var stored = await _server.Repository.OpenReadAsync("main", path);
        using var copy = new MemoryStream();
        await stored.CopyToAsync(copy);
        return copy.ToArray();
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
}
