using LakeFs.Gateway.Tests.TestSupport;

namespace LakeFs.Gateway.Tests.Clients;

/// <summary>s3cmd: put, get, ls and del (path-style, Signature Version 4, plain HTTP). s3cmd checks the ETag against its MD5.</summary>
[Category("Clients")]
public sealed class S3cmdTests : ClientFixture
{
    [SetUp]
    public void RequireS3cmd() => CommandLine.Require("s3cmd", "s3cmd");

    [Test]
    public async Task Put_get_ls_and_del()
    {
        var host = new Uri(Server.Endpoint).Authority;
        var config = Scratch.Combine("s3cfg");
        await File.WriteAllTextAsync(config, $"""
            [default]
            access_key = {GatewayServer.AccessKeyId}
            secret_key = {GatewayServer.SecretAccessKey}
            host_base = {host}
            host_bucket = {host}
            use_https = False
            signature_v2 = False
            bucket_location = us-east-1
            check_ssl_certificate = False
            """);
        var file = Scratch.Combine("upload.bin");
        var bytes = RandomBytes(700_000, seed: 3);
        await File.WriteAllBytesAsync(file, bytes);

        await S3cmdAsync(config, "put", file, "s3://lake/main/s3cmd/upload.bin");
        await S3cmdAsync(config, "get", "s3://lake/main/s3cmd/upload.bin", Scratch.Combine("back.bin"));
        var listing = await S3cmdAsync(config, "ls", "s3://lake/main/s3cmd/");
        await S3cmdAsync(config, "del", "s3://lake/main/s3cmd/upload.bin");

        var back = await File.ReadAllBytesAsync(Scratch.Combine("back.bin"));
        Assert.That(back.AsSpan().SequenceEqual(bytes), Is.True);
        Assert.That(listing, Does.Contain("700000").And.Contain("s3://lake/main/s3cmd/upload.bin"));
        Assert.That(async () => await Server.Repository.StatObjectAsync("main", "s3cmd/upload.bin"), Throws.InstanceOf<LakeFs.Core.Errors.ObjectNotFoundException>());
    }

    private Task<string> S3cmdAsync(string config, params string[] arguments) =>
        CommandLine.CheckAsync("s3cmd", ["-c", config, "--no-progress", .. arguments], Environment);
}
