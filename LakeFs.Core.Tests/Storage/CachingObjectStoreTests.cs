using System.Text;
using LakeFs.Core.Tests.TestSupport;
using LakeFs.Storage;
using LakeFs.Storage.Memory;

namespace LakeFs.Core.Tests.Storage;

/// <summary>The contract holds through the cache, with every key treated as immutable (puts and deletes drop copies).</summary>
[TestFixture]
public sealed class CachingObjectStoreContractTests : ObjectStoreContractTests
{
    private TempDirectory _folder = null!;

    protected override Task<IObjectStore> CreateStoreAsync()
    {
        _folder = new TempDirectory();
        return Task.FromResult<IObjectStore>(new CachingObjectStore(new MemoryObjectStore(), new FileCacheOptions { Folder = _folder.Path }, [""]));
    }

    [TearDown]
    public void DeleteFolder() => _folder.Dispose();
}

[TestFixture]
public sealed class CachingObjectStoreTests
{
    private TempDirectory _folder = null!;
    private FlakyObjectStore _inner = null!;

    [SetUp]
    public void SetUp()
    {
        _folder = new TempDirectory();
        _inner = new FlakyObjectStore();
    }

    [TearDown]
    public void TearDown() => _folder.Dispose();

    private CachingObjectStore NewCache(long maxBytes = 1 << 20) =>
        new(_inner, new FileCacheOptions { Folder = _folder.Path, MaxBytes = maxBytes }, ["_lakefs/ranges/", "_lakefs/metaranges/"]);

    [Test]
    public async Task A_second_read_of_an_immutable_key_comes_from_disk()
    {
        var cache = NewCache();
        await cache.PutAsync("_lakefs/ranges/r1", Bytes("0123456789"));

        Assert.That(await ReadAsync(cache, "_lakefs/ranges/r1"), Is.EqualTo("0123456789"));
        int readsAfterFirst = _inner.Reads;
        Assert.That(await ReadAsync(cache, "_lakefs/ranges/r1"), Is.EqualTo("0123456789"));
        Assert.That(await ReadAsync(cache, "_lakefs/ranges/r1", new ByteRange(3, 4)), Is.EqualTo("3456"));
        Assert.That(await ReadAsync(cache, "_lakefs/ranges/r1", new ByteRange(8)), Is.EqualTo("89"));
        Assert.That(await ReadAsync(cache, "_lakefs/ranges/r1", new ByteRange(20, 5)), Is.EqualTo(""));

        Assert.That(readsAfterFirst, Is.EqualTo(1));
        Assert.That(_inner.Reads, Is.EqualTo(1), "later reads, whole or ranged, do not reach the inner store");
        Assert.That(cache.CachedBytes, Is.EqualTo(10));
    }

    [Test]
    public async Task A_first_ranged_read_fetches_the_whole_object_once()
    {
        var cache = NewCache();
        await cache.PutAsync("_lakefs/metaranges/m", Bytes("abcdefgh"));

        Assert.That(await ReadAsync(cache, "_lakefs/metaranges/m", new ByteRange(2, 2)), Is.EqualTo("cd"));
        Assert.That(await ReadAsync(cache, "_lakefs/metaranges/m"), Is.EqualTo("abcdefgh"));
        Assert.That(_inner.Reads, Is.EqualTo(1));
    }

    [Test]
    public async Task Keys_outside_the_immutable_prefixes_pass_through()
    {
        var cache = NewCache();
        await cache.PutAsync("data/2024/x", Bytes("mutable"));

        await ReadAsync(cache, "data/2024/x");
        await ReadAsync(cache, "data/2024/x");

        Assert.That(_inner.Reads, Is.EqualTo(2));
        Assert.That(Directory.GetFiles(_folder.Path), Is.Empty);
    }

    [Test]
    public async Task Eviction_keeps_the_folder_under_its_byte_bound_and_drops_the_least_recently_read()
    {
        var cache = NewCache(maxBytes: 250);
        for (int i = 0; i < 5; i++)
        {
            await cache.PutAsync($"_lakefs/ranges/{i}", new MemoryStream(new byte[100]));
        }

        await ReadAsync(cache, "_lakefs/ranges/0");
        await ReadAsync(cache, "_lakefs/ranges/1");
        await ReadAsync(cache, "_lakefs/ranges/0");
        await ReadAsync(cache, "_lakefs/ranges/2");
        long bytesOnDisk = Directory.GetFiles(_folder.Path).Sum(f => new FileInfo(f).Length);
        int reads = _inner.Reads;
        await ReadAsync(cache, "_lakefs/ranges/0");
        await ReadAsync(cache, "_lakefs/ranges/2");
        Assert.That(_inner.Reads, Is.EqualTo(reads), "the two most recently read objects stayed");
        await ReadAsync(cache, "_lakefs/ranges/1");
        Assert.That(_inner.Reads, Is.EqualTo(reads + 1), "the least recently read object was evicted");

        Assert.That(bytesOnDisk, Is.LessThanOrEqualTo(250));
        Assert.That(Directory.GetFiles(_folder.Path).Sum(f => new FileInfo(f).Length), Is.LessThanOrEqualTo(250));
        Assert.That(cache.CachedBytes, Is.LessThanOrEqualTo(250));
    }

    [Test]
    public async Task An_object_larger_than_the_whole_cache_is_read_without_being_kept()
    {
        var cache = NewCache(maxBytes: 50);
        await cache.PutAsync("_lakefs/ranges/huge", new MemoryStream(new byte[100]));

        Assert.That((await ReadAsync(cache, "_lakefs/ranges/huge")).Length, Is.EqualTo(100));
        Assert.That(Directory.GetFiles(_folder.Path), Is.Empty);
    }

    [Test]
    public void A_missing_immutable_key_is_not_found_and_leaves_no_file()
    {
        var cache = NewCache();

        Assert.That(async () => await cache.OpenReadAsync("_lakefs/ranges/none"), Throws.InstanceOf<StorageKeyNotFoundException>());
        Assert.That(Directory.GetFiles(_folder.Path), Is.Empty);
    }

    [Test]
    public async Task Concurrent_first_reads_fetch_once()
    {
        var cache = NewCache();
        await cache.PutAsync("_lakefs/ranges/shared", new MemoryStream(new byte[64 * 1024]));

        var lengths = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ => (await ReadAsync(cache, "_lakefs/ranges/shared")).Length));

        Assert.That(lengths, Is.All.EqualTo(64 * 1024));
        Assert.That(_inner.Reads, Is.LessThanOrEqualTo(2));
    }

    private static MemoryStream Bytes(string text) => new(Encoding.UTF8.GetBytes(text));

    private static async Task<string> ReadAsync(IObjectStore store, string key, ByteRange? range = null)
    {
        await using var stream = await store.OpenReadAsync(key, range);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }
}
