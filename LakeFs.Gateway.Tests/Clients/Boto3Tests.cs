using LakeFs.Gateway.Tests.TestSupport;

namespace LakeFs.Gateway.Tests.Clients;

/// <summary>A boto3 script: put and get, and a list_objects_v2 paginator over many keys.</summary>
[Category("Clients")]
public sealed class Boto3Tests : ClientFixture
{
    private const string Script = """
        import sys, boto3
        from botocore.config import Config
        endpoint, access, secret, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
        s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=access, aws_secret_access_key=secret,
                          region_name="us-east-1", config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
        s3.put_object(Bucket="lake", Key="main/boto/hello.txt", Body=b"hello from boto3")
        assert s3.get_object(Bucket="lake", Key="main/boto/hello.txt")["Body"].read() == b"hello from boto3"
        keys, pages = [], 0
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket="lake", Prefix="main/many/"):
            pages += 1
            keys.extend(o["Key"] for o in page.get("Contents", []))
        assert keys == sorted(keys), "keys come in order"
        assert len(keys) == len(set(keys)) == count, (len(keys), count)
        print(pages, len(keys), keys[0], keys[-1])
        """;

    [SetUp]
    public void RequireBoto3() => CommandLine.Require("python3", "python3-boto3");

    [Test]
    public async Task A_paginator_walks_ten_thousand_keys()
    {
        const int Count = 10_000;
        await Parallel.ForEachAsync(Enumerable.Range(0, Count), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, ct) =>
            await Server.Repository.PutObjectAsync("main", $"many/{i:D5}", new MemoryStream([(byte)i]), cancellationToken: ct));
        var script = Scratch.Combine("paginate.py");
        await File.WriteAllTextAsync(script, Script);

        var (exit, output, error) = await CommandLine.RunAsync("python3", [script, Server.Endpoint, GatewayServer.AccessKeyId, GatewayServer.SecretAccessKey, Count.ToString(System.Globalization.CultureInfo.InvariantCulture)], Environment);
        if (exit != 0 && error.Contains("No module named 'boto3'", StringComparison.Ordinal))
        {
            CommandLine.Require("python3-boto3-is-missing", "python3-boto3");
        }

        Assert.That(exit, Is.Zero, error);
        Assert.That(output.Trim(), Is.EqualTo("10 10000 main/many/00000 main/many/09999"));
        Assert.That(await ReadFromLibraryAsync("main", "boto/hello.txt"), Is.EqualTo("hello from boto3"u8.ToArray()));
    }
}
