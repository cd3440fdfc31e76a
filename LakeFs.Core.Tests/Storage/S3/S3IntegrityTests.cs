using System.Text;
using Amazon.S3;
using LakeFs.Core.Tests.TestSupport;
using LakeFs.Storage;
using LakeFs.Storage.S3;

namespace LakeFs.Core.Tests.Storage.S3;

/// <summary>
/// s3rver stores aws-chunked bodies verbatim (chunk sizes and signatures included). With chunk encoding on, every
/// upload is caught by its ETag and removed, and a repository cannot be created or opened; with it off, all works.
/// </summary>
[Category("Emulator")]
public sealed class S3IntegrityTests
{
    private TempDirectory _temp = null!;
    private AmazonS3Client _client = null!;
    private string _prefix = null!;

    [SetUp]
    public async Task SetUpAsync()
    {
        _temp = new TempDirectory();
        _client = await S3Emulator.ConnectAsync();
        _prefix = CloudEmulator.FreshPrefix();
    }

    [TearDown]
    public void TearDown()
    {
        _client?.Dispose();
        _temp.Dispose();
    }

    private S3ObjectStore Store(bool chunkEncoding) =>
        new(_client, S3Emulator.Bucket, _prefix, S3Emulator.StoreOptions with { UseChunkEncoding = chunkEncoding });

    private RepositoryOptions Options(IObjectStore store) => new()
    {
        ObjectStore = new RetryingObjectStore(store),
        FileCache = new FileCacheOptions { Folder = _temp.Combine("cache"), MaxBytes = 16L << 20 },
        RefStore = new SqliteRefStoreOptions(_temp.Combine("refs.db")),
    };

    private async Task<List<string>> KeysAsync() => (await Store(false).ListAsync("").ToListAsync()).Select(s => s.Key).ToList();

    [Test]
    public async Task Create_over_a_server_that_keeps_the_chunk_framing_fails_naming_the_fix_and_leaves_nothing()
    {
        var error = Assert.ThrowsAsync<StorageIntegrityException>(() => Repository.CreateAsync(Options(Store(chunkEncoding: true))));

        Assert.That(error!.Message, Does.Contain("S3ObjectStoreOptions.UseChunkEncoding = false"));
        Assert.That(await KeysAsync(), Is.Empty);
        Assert.That(File.Exists(_temp.Combine("refs.db")), Is.False);
    }

    [TestCase(1000)]
    [TestCase(S3ObjectStoreOptions.MinPartSize * 3 / 2)]
    public async Task A_put_whose_stored_bytes_differ_is_refused_and_removed(int size)
    {
        var bytes = new byte[size];
        Random.Shared.NextBytes(bytes);
        using var content = new MemoryStream(bytes);

        var error = Assert.ThrowsAsync<StorageIntegrityException>(() => Store(chunkEncoding: true).PutAsync("data/x", content));

        Assert.That(error!.Message, Does.Contain("'data/x'").And.Contain("UseChunkEncoding = false"));
        Assert.That(await Store(false).StatAsync("data/x"), Is.Null);
        Assert.That(await KeysAsync(), Is.Empty);
    }

    [Test]
    public async Task With_etag_checks_off_puts_are_taken_as_sent_but_the_create_check_still_refuses_the_server()
    {
        var store = new S3ObjectStore(_client, S3Emulator.Bucket, _prefix, S3Emulator.StoreOptions with { UseChunkEncoding = true, VerifyUploadETags = false });
        using (var content = new MemoryStream(Encoding.ASCII.GetBytes("hello")))
        {
            await store.PutAsync("data/x", content);
        }
        var stored = await Store(false).OpenReadAsync("data/x");
        await using (stored)
        {
            using var reader = new StreamReader(stored);
            Assert.That(await reader.ReadToEndAsync(), Does.Contain("chunk-signature"), "s3rver kept the framing");
        }
        await Store(false).DeleteAsync("data/x");

        var error = Assert.ThrowsAsync<StorageIntegrityException>(() => Repository.CreateAsync(Options(store)));
        Assert.That(error!.Message, Does.Contain("S3ObjectStoreOptions.UseChunkEncoding = false").And.Contain("chunk-signature"));
        Assert.That(await KeysAsync(), Is.Empty);
    }

    [Test]
    public async Task Without_chunk_encoding_a_repository_works_and_the_check_leaves_nothing()
    {
        await using (var repo = await Repository.CreateAsync(Options(Store(chunkEncoding: false))))
        {
            await repo.PutTextAsync("main", "a.txt", "first");
            await repo.CommitAsync("main", "one");
            await repo.PutTextAsync("main", "a.txt", "second");
            await repo.CommitAsync("main", "two");
            var changes = await repo.DiffAsync("main~1", "main").ToListAsync();
            Assert.That(changes.Select(c => c.Path), Is.EqualTo(new[] { "a.txt" }));
        }
        await using (var reopened = await Repository.OpenAsync(Options(Store(chunkEncoding: false))))
        {
            Assert.That(await reopened.ReadTextAsync("main", "a.txt"), Is.EqualTo("second"));
        }
        Assert.That(await Store(false).ListAsync("_lakefs/probe-").ToListAsync(), Is.Empty);

        var before = await KeysAsync();
        Assert.ThrowsAsync<StorageIntegrityException>(() => Repository.OpenAsync(Options(Store(chunkEncoding: true))));
        Assert.That(await KeysAsync(), Is.EqualTo(before), "a refused open leaves nothing");
    }

    [Test]
    public async Task Reads_of_objects_written_intact_verify_on_s3()
    {
        await using var repo = await Repository.CreateAsync(Options(Store(chunkEncoding: false)));
        var text = new string('x', 100_000);
        await repo.PutTextAsync("main", "big.txt", text);
        Assert.That(Encoding.UTF8.GetString(await repo.ReadBytesAsync("main", "big.txt")), Is.EqualTo(text));
    }
}
