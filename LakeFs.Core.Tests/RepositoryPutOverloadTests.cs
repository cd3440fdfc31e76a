using System.Buffers;
using System.Text;
using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.TestSupport;

namespace LakeFs.Core.Tests;

/// <summary>PutObjectAsync from memory and from text, and PutFileAsync: the bytes, the content type, and the same checks as a put from a stream.</summary>
public sealed class RepositoryPutOverloadTests
{
    private TempDirectory _temp = null!;
    private Repository _repo = null!;

    [SetUp]
    public async Task SetUpAsync()
    {
        _temp = new TempDirectory();
        _repo = await TestRepositories.CreateLocalAsync(_temp.Combine("repo"));
    }

    [TearDown]
    public async Task TearDownAsync()
    {
        await _repo.DisposeAsync();
        _temp.Dispose();
    }

    [Test]
    public async Task Bytes_from_an_array_a_slice_and_memory_without_an_array_are_stored_as_given()
    {
        var bytes = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();

        var whole = await _repo.PutObjectAsync("main", "whole.bin", bytes);
        await _repo.PutObjectAsync("main", "slice.bin", bytes.AsMemory(100, 50));
        using var native = new NoArrayMemory(bytes[..300]);
        await _repo.PutObjectAsync("main", "native.bin", native.Memory);

        Assert.That(whole.Size, Is.EqualTo(1000));
        Assert.That(whole.Checksum, Is.EqualTo(TestRepositories.Sha256Hex(bytes)));
        Assert.That(whole.ContentType, Is.EqualTo("application/octet-stream"));
        Assert.That(await _repo.ReadBytesAsync("main", "whole.bin"), Is.EqualTo(bytes));
        Assert.That(await _repo.ReadBytesAsync("main", "slice.bin"), Is.EqualTo(bytes[100..150]));
        Assert.That(await _repo.ReadBytesAsync("main", "native.bin"), Is.EqualTo(bytes[..300]));
    }

    [Test]
    public async Task Text_is_stored_as_utf8_without_a_byte_order_mark_with_a_text_content_type_unless_given()
    {
        const string text = "héllo ✓ 𝄞";

        var plain = await _repo.PutObjectAsync("main", "a.txt", text);
        var typed = await _repo.PutObjectAsync("main", "b.csv", text, new PutObjectOptions { ContentType = "text/csv" });
        var withMetadata = await _repo.PutObjectAsync("main", "c.txt", text, new PutObjectOptions { Metadata = new Dictionary<string, string> { ["owner"] = "me" } });
        var empty = await _repo.PutObjectAsync("main", "empty.txt", "");

        Assert.That(await _repo.ReadBytesAsync("main", "a.txt"), Is.EqualTo(Encoding.UTF8.GetBytes(text)));
        Assert.That(plain.ContentType, Is.EqualTo("text/plain; charset=utf-8"));
        Assert.That(typed.ContentType, Is.EqualTo("text/csv"));
        Assert.That(withMetadata.ContentType, Is.EqualTo("text/plain; charset=utf-8"));
        Assert.That(withMetadata.Metadata, Is.EquivalentTo(new Dictionary<string, string> { ["owner"] = "me" }));
        Assert.That(empty.Size, Is.Zero);
    }

    [Test]
    public async Task A_file_is_stored_whole()
    {
        var file = _temp.Combine("local.bin");
        var bytes = new byte[200_000];
        new Random(3).NextBytes(bytes);
        await File.WriteAllBytesAsync(file, bytes);

        var info = await _repo.PutFileAsync("main", "remote/local.bin", file, new PutObjectOptions { ContentType = "application/x-test" });

        Assert.That(info.Size, Is.EqualTo(bytes.Length));
        Assert.That(info.Checksum, Is.EqualTo(TestRepositories.Sha256Hex(bytes)));
        Assert.That(info.ContentType, Is.EqualTo("application/x-test"));
        Assert.That(await _repo.ReadBytesAsync("main", "remote/local.bin"), Is.EqualTo(bytes));
    }

    [Test]
    public async Task A_missing_file_fails_and_stages_nothing()
    {
        Assert.ThrowsAsync<FileNotFoundException>(async () => await _repo.PutFileAsync("main", "a.bin", _temp.Combine("missing.bin")));

        Assert.That(await _repo.ListPathsAsync("main"), Is.Empty);
    }

    [Test]
    public async Task Every_overload_checks_like_a_put_from_a_stream_and_before_opening_the_file()
    {
        var missing = _temp.Combine("missing.bin");
        var badType = new PutObjectOptions { ContentType = "text/plain\n" };
        Func<string, string, PutObjectOptions?, Task>[] puts =
        [
            (branch, path, options) => _repo.PutObjectAsync(branch, path, new byte[] { 1 }, options),
            (branch, path, options) => _repo.PutObjectAsync(branch, path, "text", options),
            (branch, path, options) => _repo.PutFileAsync(branch, path, missing, options),
        ];
        foreach (var put in puts)
        {
            Assert.ThrowsAsync<InvalidNameException>(async () => await put("bad name", "a", null));
            Assert.ThrowsAsync<InvalidPathException>(async () => await put("main", "../a", null));
            Assert.ThrowsAsync<InvalidMetadataException>(async () => await put("main", "a", badType));
        }
        Assert.ThrowsAsync<BranchNotFoundException>(async () => await _repo.PutObjectAsync("nope", "a", new byte[] { 1 }));
        Assert.ThrowsAsync<BranchNotFoundException>(async () => await _repo.PutObjectAsync("nope", "a", "text"));
        await _repo.PutObjectAsync("main", "exists", "x");
        Assert.ThrowsAsync<ObjectAlreadyExistsException>(async () => await _repo.PutObjectAsync("main", "exists", "y", new PutObjectOptions { IfNoneMatch = true }));
        Assert.ThrowsAsync<ArgumentNullException>(async () => await _repo.PutObjectAsync("main", "a", (string)null!));
        Assert.That(await _repo.ListPathsAsync("main"), Is.EqualTo(new[] { "exists" }));
    }

    /// <summary>Memory that <c>MemoryMarshal.TryGetArray</c> cannot see through, as native memory would be.</summary>
    private sealed class NoArrayMemory(byte[] bytes) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => bytes;

        public override MemoryHandle Pin(int elementIndex = 0) => throw new NotSupportedException();

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}
