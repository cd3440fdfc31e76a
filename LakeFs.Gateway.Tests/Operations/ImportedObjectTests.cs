using Amazon.S3;
using Amazon.S3.Model;
using LakeFs.Core;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.TestSupport;
using LakeFs.Gateway.Tests.TestSupport;
using LakeFs.Storage.Local;

namespace LakeFs.Gateway.Tests.Operations;

/// <summary>Objects imported from a named import source: their bytes live in that store, and the gateway reads and copies them from there.</summary>
public sealed class ImportedObjectTests
{
    private TempDirectory _folder = null!;
    private Repository _repository = null!;
    private GatewayServer _server = null!;
    private AmazonS3Client _client = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _folder = new TempDirectory();
        Directory.CreateDirectory(_folder.Combine("raw", "landing"));
        await File.WriteAllTextAsync(_folder.Combine("raw", "landing", "a.csv"), "id,value\n1,imported\n");
        var options = Repository.LocalOptions(_folder.Combine("repo")) with
        {
            ImportSources = new Dictionary<string, Storage.IObjectStore> { ["raw"] = new LocalObjectStore(_folder.Combine("raw")) },
        };
        _repository = await Repository.CreateAsync(options);
        await _repository.ImportAsync("main", ImportSource.Named("raw", "landing/"), "tables/");
        _server = await GatewayServer.StartAsync(o => o.Repositories[GatewayServer.Bucket] = _repository);
        _client = _server.CreateClient();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        await _repository.DisposeAsync();
        _folder.Dispose();
    }

    [Test]
    public async Task An_imported_object_reads_whole_and_ranged_from_its_source()
    {
        Assert.That((await _repository.StatObjectAsync("main", "tables/a.csv")).ImportSource, Is.EqualTo("raw"));

        Assert.That(await ReadAsync("main/tables/a.csv"), Is.EqualTo("id,value\n1,imported\n"));
        using var ranged = await _client.GetObjectAsync(new GetObjectRequest { BucketName = "lake", Key = "main/tables/a.csv", ByteRange = new ByteRange(9, 18) });
        using var reader = new StreamReader(ranged.ResponseStream);
        Assert.That(await reader.ReadToEndAsync(), Is.EqualTo("1,imported"));
    }

    [Test]
    public async Task Copying_an_imported_object_copies_its_bytes_from_the_source()
    {
        await _client.CopyObjectAsync("lake", "main/tables/a.csv", "lake", "main/copies/a.csv");

        var copy = await _repository.StatObjectAsync("main", "copies/a.csv");
        Assert.That(copy.ImportSource, Is.Null, "the copy's bytes are the repository's own");
        Assert.That(await ReadAsync("main/copies/a.csv"), Is.EqualTo("id,value\n1,imported\n"));
    }

    private async Task<string> ReadAsync(string key)
    {
        using var get = await _client.GetObjectAsync("lake", key);
        using var reader = new StreamReader(get.ResponseStream);
        return await reader.ReadToEndAsync();
    }
}
