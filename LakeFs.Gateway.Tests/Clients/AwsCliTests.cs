using System.Text.Json;
using LakeFs.Gateway.Tests.TestSupport;

namespace LakeFs.Gateway.Tests.Clients;

/// <summary>The AWS CLI (Debian's awscli): s3 cp and sync up and down, checked byte for byte, and s3api listing with pagination.</summary>
[Category("Clients")]
public sealed class AwsCliTests : ClientFixture
{
    [SetUp]
    public void RequireAws() => CommandLine.Require("aws", "awscli");

    [Test]
    public async Task Sync_up_and_down_round_trips_a_folder_tree()
    {
        var source = Scratch.Combine("source");
        var files = FolderTree.Write(source, 24, seed: 1);
        var back = Scratch.Combine("back");

        await AwsAsync("s3", "sync", source, "s3://lake/main/synced/");
        await AwsAsync("s3", "sync", "s3://lake/main/synced/", back);

        FolderTree.AssertSame(source, back);
        var info = await Server.Repository.StatObjectAsync("main", "synced/" + files[5]);
        Assert.That(info.Size, Is.EqualTo(new FileInfo(Path.Combine(source, files[5])).Length));
    }

    [Test]
    public async Task Cp_up_and_down_keeps_every_byte()
    {
        var file = Scratch.Combine("object.bin");
        await File.WriteAllBytesAsync(file, RandomBytes(3 * 1024 * 1024 + 7, seed: 2));

        await AwsAsync("s3", "cp", file, "s3://lake/main/cp/object.bin");
        await AwsAsync("s3", "cp", "s3://lake/main/cp/object.bin", Scratch.Combine("back.bin"));

        var expected = await File.ReadAllBytesAsync(file);
        var back = await File.ReadAllBytesAsync(Scratch.Combine("back.bin"));
        var stored = await ReadFromLibraryAsync("main", "cp/object.bin");
        Assert.That(back.AsSpan().SequenceEqual(expected), Is.True, "downloaded bytes");
        Assert.That(stored.AsSpan().SequenceEqual(expected), Is.True, "stored bytes");
    }

    [Test]
    public async Task Cp_of_100_megabytes_goes_multipart_and_keeps_every_byte()
    {
        var file = Scratch.Combine("large.bin");
        var bytes = RandomBytes(100 * 1024 * 1024, seed: 6);
        await File.WriteAllBytesAsync(file, bytes);

        await AwsAsync("s3", "cp", file, "s3://lake/main/large/large.bin");
        await AwsAsync("s3", "cp", "s3://lake/main/large/large.bin", Scratch.Combine("large-back.bin"));

        var back = await File.ReadAllBytesAsync(Scratch.Combine("large-back.bin"));
        Assert.That(back.AsSpan().SequenceEqual(bytes), Is.True, "downloaded bytes");
        var info = await Server.Repository.StatObjectAsync("main", "large/large.bin");
        Assert.That(info.Metadata["lakefs-s3-etag"], Does.EndWith("-13"), "the CLI's 8 MiB parts");
        Assert.That(info.Checksum, Is.EqualTo(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes))));
    }

    [Test]
    public async Task S3api_list_objects_v2_pages_through_every_key()
    {
        var expected = new List<string>();
        for (var i = 0; i < 53; i++)
        {
            await Server.Repository.PutObjectAsync("main", $"pages/{i:D3}", new MemoryStream([(byte)i]));
            expected.Add($"main/pages/{i:D3}");
        }

        // --page-size 7: the CLI follows seven continuation tokens and merges the eight pages.
        var all = await AwsAsync("s3api", "list-objects-v2", "--bucket", "lake", "--prefix", "main/pages/", "--page-size", "7", "--output", "json");

        Assert.That(Keys(all), Is.EqualTo(expected));
    }

    private static List<string> Keys(string json)
    {
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.GetProperty("Contents").EnumerateArray().Select(o => o.GetProperty("Key").GetString()!)];
    }

    private Task<string> AwsAsync(params string[] arguments) =>
        CommandLine.CheckAsync("aws", ["--endpoint-url", Server.Endpoint, .. arguments], Environment);
}
