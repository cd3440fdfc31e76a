using Amazon.S3.Model;
using LakeFs.Gateway.Tests.TestSupport;

namespace LakeFs.Gateway.Tests.Clients;

/// <summary>A URL presigned by the AWS SDK (Signature Version 4 in the query) fetched with curl.</summary>
[Category("Clients")]
public sealed class CurlTests : ClientFixture
{
    [SetUp]
    public void RequireCurl() => CommandLine.Require("curl", "curl");

    [Test]
    public async Task A_presigned_get_is_fetched_with_curl()
    {
        var bytes = RandomBytes(123_457, seed: 5);
        await Server.Repository.PutObjectAsync("main", "shared/report.bin", new MemoryStream(bytes));
        using var client = Server.CreateClient();
        var url = await client.GetPreSignedURLAsync(new GetPreSignedUrlRequest
        {
            BucketName = "lake", Key = "main/shared/report.bin", Verb = Amazon.S3.HttpVerb.GET, Protocol = Amazon.S3.Protocol.HTTP, Expires = DateTime.UtcNow.AddMinutes(5),
        });
        var output = Scratch.Combine("report.bin");

        await CommandLine.CheckAsync("curl", ["--silent", "--show-error", "--fail", "--output", output, url], Environment);
        var (_, status, _) = await CommandLine.RunAsync("curl", ["--silent", "--output", "/dev/null", "--write-out", "%{http_code}", url.Replace("report.bin", "other.bin", StringComparison.Ordinal)], Environment);

        var fetched = await File.ReadAllBytesAsync(output);
        Assert.That(fetched.AsSpan().SequenceEqual(bytes), Is.True);
        Assert.That(status, Is.EqualTo("403"), "a presigned URL signs its key");
    }
}
