using System.Text;
using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.TestSupport;
using LakeFs.Storage;
using LakeFs.Storage.Memory;

namespace LakeFs.Core.Tests;

/// <summary>
/// Damage is reported, not returned: a whole-object read checks size and SHA-256 at the end of the stream, and a
/// store that gives back other bytes than it was given is refused when a repository is created or opened.
/// </summary>
public sealed class RepositoryIntegrityTests
{
    private TempDirectory _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempDirectory();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    private static byte[] Bytes(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private async Task<(Repository Repo, ObjectInfo Info, byte[] Original)> RepositoryWithObjectAsync(bool verify = true, int size = 100_000)
    {
        var repo = await Repository.CreateAsync(Repository.LocalOptions(_temp.Path) with { VerifyContentChecksums = verify });
        var original = Bytes(size, 1);
        using var content = new MemoryStream(original);
        var info = await repo.PutObjectAsync("main", "tables/t.bin", content);
        return (repo, info, original);
    }

    private string FileOf(ObjectInfo info) => Path.Combine(_temp.Path, Repository.LocalObjectsFolderName, info.PhysicalAddress);

    /// <summary>Writes <paramref name="bytes"/> over the start of the file without truncating it (an in-place overwrite).</summary>
    private static void OverwriteInPlace(string file, byte[] bytes)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Write);
        stream.Write(bytes);
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream, int bufferSize = 8192)
    {
        await using (stream)
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy, bufferSize);
            return copy.ToArray();
        }
    }

    [Test]
    public async Task Bytes_changed_in_place_with_the_same_size_fail_the_read_at_the_end_naming_path_and_address()
    {
        var (repo, info, original) = await RepositoryWithObjectAsync();
        await using var _ = repo;
        await repo.CommitAsync("main", "load");
        OverwriteInPlace(FileOf(info), Bytes(original.Length, 2));
        Assert.That(new FileInfo(FileOf(info)).Length, Is.EqualTo(original.Length));

        foreach (var @ref in new[] { "main", "main@" })
        {
            var stream = await repo.OpenReadAsync(@ref, "tables/t.bin");
            var buffer = new byte[original.Length];
            await stream.ReadExactlyAsync(buffer);
            var error = Assert.ThrowsAsync<CorruptDataException>(async () => await stream.ReadAtLeastAsync(new byte[1], 1, throwOnEndOfStream: false), "the end of the stream reports the damage");
            Assert.That(error!.Message, Does.Contain("'tables/t.bin'").And.Contain(info.PhysicalAddress).And.Contain("SHA-256"));
            Assert.Throws<CorruptDataException>(() => stream.ReadByte(), "a second read at the end reports it again");
            await stream.DisposeAsync();
            Assert.ThrowsAsync<CorruptDataException>(async () => await ReadAllAsync(await repo.OpenReadAsync(@ref, "tables/t.bin")));
        }
    }

    [Test]
    public async Task Truncated_and_extended_files_fail_the_read()
    {
        var (repo, info, original) = await RepositoryWithObjectAsync();
        await using var _ = repo;

        await File.WriteAllBytesAsync(FileOf(info), original[..^1]);
        var shorter = Assert.ThrowsAsync<CorruptDataException>(async () => await ReadAllAsync(await repo.OpenReadAsync("main", "tables/t.bin")));
        Assert.That(shorter!.Message, Does.Contain($"read {original.Length - 1} bytes, but {original.Length}").And.Contain(info.PhysicalAddress));

        await File.WriteAllBytesAsync(FileOf(info), [.. original, 0]);
        var longer = Assert.ThrowsAsync<CorruptDataException>(async () => await ReadAllAsync(await repo.OpenReadAsync("main", "tables/t.bin")));
        Assert.That(longer!.Message, Does.Contain($"more than the {original.Length} bytes").And.Contain("'tables/t.bin'"));
    }

    [Test]
    public async Task Intact_objects_read_whole_in_any_read_size_and_empty_ones_too()
    {
        var (repo, _, original) = await RepositoryWithObjectAsync();
        await using var __ = repo;
        foreach (var bufferSize in new[] { 1, 7, 4096, 1 << 20 })
        {
            Assert.That(await ReadAllAsync(await repo.OpenReadAsync("main", "tables/t.bin"), bufferSize), Is.EqualTo(original));
        }
        using var empty = new MemoryStream();
        await repo.PutObjectAsync("main", "empty", empty);
        Assert.That(await ReadAllAsync(await repo.OpenReadAsync("main", "empty")), Is.Empty);
        var sync = await repo.OpenReadAsync("main", "tables/t.bin");
        using (var reader = new BinaryReader(sync))
        {
            Assert.That(reader.ReadBytes(original.Length + 10), Is.EqualTo(original), "synchronous reads are checked the same way");
        }
    }

    [Test]
    public async Task With_verification_off_the_changed_bytes_are_returned_without_error()
    {
        var (repo, info, original) = await RepositoryWithObjectAsync(verify: false);
        await using var _ = repo;
        var changed = Bytes(original.Length, 2);
        OverwriteInPlace(FileOf(info), changed);
        Assert.That(await ReadAllAsync(await repo.OpenReadAsync("main", "tables/t.bin")), Is.EqualTo(changed));
    }

    [Test]
    public async Task Ranged_reads_are_not_verified()
    {
        var (repo, info, original) = await RepositoryWithObjectAsync();
        await using var _ = repo;
        var changed = Bytes(original.Length, 2);
        OverwriteInPlace(FileOf(info), changed);
        Assert.That(await ReadAllAsync(await repo.OpenReadAsync("main", "tables/t.bin", new ByteRange(0, original.Length))), Is.EqualTo(changed));
        Assert.That(await ReadAllAsync(await repo.OpenReadAsync("main", "tables/t.bin", new ByteRange(10))), Is.EqualTo(changed[10..]));
    }

    [Test]
    public async Task A_reader_that_stops_before_the_end_or_seeks_gets_no_error()
    {
        var (repo, info, original) = await RepositoryWithObjectAsync();
        await using var _ = repo;
        OverwriteInPlace(FileOf(info), Bytes(original.Length, 2));

        var partial = await repo.OpenReadAsync("main", "tables/t.bin");
        var buffer = new byte[original.Length - 1];
        await partial.ReadExactlyAsync(buffer);
        Assert.DoesNotThrowAsync(async () => await partial.DisposeAsync());

        var seeking = await repo.OpenReadAsync("main", "tables/t.bin");
        Assume.That(seeking.CanSeek, "the local store's streams seek");
        await seeking.ReadExactlyAsync(new byte[100]);
        seeking.Position = 50;
        Assert.That(await ReadAllAsync(seeking), Has.Length.EqualTo(original.Length - 50), "a seek ends the check for that stream");
    }

    [Test]
    public async Task Linked_objects_check_their_size_always_and_a_sha256_checksum_when_they_have_one()
    {
        await using var repo = await Repository.CreateAsync(_temp.Path);
        var bytes = Encoding.UTF8.GetBytes("linked bytes");
        async Task<string> WriteAsync()
        {
            var address = repo.CreatePhysicalAddress();
            using var content = new MemoryStream(bytes);
            await repo.ObjectStore.PutAsync(address, content);
            return address;
        }
        await repo.LinkObjectAsync("main", "opaque", await WriteAsync(), bytes.Length, "etag-1234");
        await repo.LinkObjectAsync("main", "sha", await WriteAsync(), bytes.Length, TestRepositories.Sha256Hex(bytes));
        await repo.LinkObjectAsync("main", "wrong-sha", await WriteAsync(), bytes.Length, new string('a', 64));

        Assert.That(await repo.ReadBytesAsync("main", "opaque"), Is.EqualTo(bytes), "a checksum that is not a SHA-256 is not compared");
        Assert.That(await repo.ReadBytesAsync("main", "sha"), Is.EqualTo(bytes));
        Assert.ThrowsAsync<CorruptDataException>(() => repo.ReadBytesAsync("main", "wrong-sha"));

        var opaque = await repo.StatObjectAsync("main", "opaque");
        await File.WriteAllBytesAsync(Path.Combine(_temp.Path, Repository.LocalObjectsFolderName, opaque.PhysicalAddress), [.. bytes, 1]);
        Assert.ThrowsAsync<CorruptDataException>(() => repo.ReadBytesAsync("main", "opaque"), "the size is checked whatever the checksum");
    }

    [Test]
    public async Task A_store_that_alters_bodies_is_refused_at_create_naming_the_fix_and_nothing_is_left()
    {
        var inner = new MemoryObjectStore();
        var options = new RepositoryOptions { ObjectStore = new ChunkFramingStore(inner), RefStore = new SqliteRefStoreOptions(_temp.Combine("refs.db")) };

        var error = Assert.ThrowsAsync<StorageIntegrityException>(() => Repository.CreateAsync(options));
        Assert.That(error!.Message, Does.Contain("S3ObjectStoreOptions.UseChunkEncoding = false").And.Contain("chunk-signature"));
        Assert.That(await inner.ListAsync("").ToListAsync(), Is.Empty, "the check object is deleted");
        Assert.That(File.Exists(_temp.Combine("refs.db")), Is.False, "no ref store is created");

        await using (await Repository.CreateAsync(options with { ObjectStore = inner }))
        {
        }
        var probes = await inner.ListAsync("_lakefs/probe-").ToListAsync();
        Assert.That(probes, Is.Empty, "a passing check leaves nothing either");
    }

    [Test]
    public async Task A_store_that_alters_bodies_is_refused_at_open()
    {
        var inner = new MemoryObjectStore();
        var options = new RepositoryOptions { ObjectStore = inner, RefStore = new SqliteRefStoreOptions(_temp.Combine("refs.db")) };
        await using (var repo = await Repository.CreateAsync(options))
        {
            await repo.PutTextAsync("main", "a", "a");
        }
        var before = (await inner.ListAsync("").ToListAsync()).Select(s => s.Key).ToList();

        Assert.ThrowsAsync<StorageIntegrityException>(() => Repository.OpenAsync(options with { ObjectStore = new ChunkFramingStore(inner) }));
        Assert.That((await inner.ListAsync("").ToListAsync()).Select(s => s.Key), Is.EqualTo(before));
        await using var reopened = await Repository.OpenAsync(options);
        Assert.That(await reopened.ReadTextAsync("main", "a"), Is.EqualTo("a"));
    }

    [Test]
    public async Task A_store_that_refuses_writes_still_opens_but_cannot_create()
    {
        var inner = new MemoryObjectStore();
        var options = new RepositoryOptions { ObjectStore = inner, RefStore = new SqliteRefStoreOptions(_temp.Combine("refs.db")) };
        await using (var repo = await Repository.CreateAsync(options))
        {
            await repo.PutTextAsync("main", "a", "a");
        }
        await using (var reader = await Repository.OpenAsync(options with { ObjectStore = new ReadOnlyStore(inner) }))
        {
            Assert.That(await reader.ReadTextAsync("main", "a"), Is.EqualTo("a"));
        }
        var fresh = new RepositoryOptions { ObjectStore = new ReadOnlyStore(new MemoryObjectStore()), RefStore = new SqliteRefStoreOptions(_temp.Combine("other.db")) };
        Assert.ThrowsAsync<StorageException>(() => Repository.CreateAsync(fresh));
    }

    /// <summary>Stores every body the way s3rver stores an aws-chunked one: with its chunk framing.</summary>
    private sealed class ChunkFramingStore(IObjectStore inner) : DelegatingStore(inner)
    {
        public override async Task<ObjectStat> PutAsync(string key, Stream content, PutOptions? options = null, CancellationToken cancellationToken = default)
        {
            using var body = new MemoryStream();
            await content.CopyToAsync(body, cancellationToken);
            using var framed = new MemoryStream();
            framed.Write(Encoding.ASCII.GetBytes($"{body.Length:x};chunk-signature={new string('0', 64)}\r\n"));
            body.WriteTo(framed);
            framed.Write(Encoding.ASCII.GetBytes($"\r\n0;chunk-signature={new string('0', 64)}\r\n\r\n"));
            framed.Position = 0;
            return await Inner.PutAsync(key, framed, options, cancellationToken);
        }
    }

    private sealed class ReadOnlyStore(IObjectStore inner) : DelegatingStore(inner)
    {
        public override Task<ObjectStat> PutAsync(string key, Stream content, PutOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new StorageException($"Access denied writing '{key}'.");

        public override Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
            throw new StorageException($"Access denied deleting '{key}'.");
    }

    private abstract class DelegatingStore(IObjectStore inner) : IObjectStore
    {
        protected IObjectStore Inner => inner;

        public abstract Task<ObjectStat> PutAsync(string key, Stream content, PutOptions? options = null, CancellationToken cancellationToken = default);

        public Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default) => inner.OpenReadAsync(key, range, cancellationToken);

        public Task<ObjectStat?> StatAsync(string key, CancellationToken cancellationToken = default) => inner.StatAsync(key, cancellationToken);

        public IAsyncEnumerable<ObjectStat> ListAsync(string prefix, string? startAfter = null, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, startAfter, cancellationToken);

        public virtual Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);
    }
}
