using System.Text;
using LakeFs.Core.Tests.TestSupport;
using LakeFs.Storage;
using LakeFs.Storage.Local;

namespace LakeFs.Core.Tests.Storage.Local;

/// <summary>The object-store contract run against <see cref="LocalObjectStore"/>, plus what only a local folder can get wrong.</summary>
[TestFixture]
public sealed class LocalObjectStoreContractTests : ObjectStoreContractTests
{
    private TempDirectory _temp = null!;
    private TempDirectory _outside = null!;

    private string Root => Path.Combine(_temp.Path, "root");

    protected override Task<IObjectStore> CreateStoreAsync()
    {
        _temp = new TempDirectory();
        _outside = new TempDirectory();
        return Task.FromResult<IObjectStore>(new LocalObjectStore(Root));
    }

    [TearDown]
    public void DeleteFolders()
    {
        _temp.Dispose();
        _outside.Dispose();
    }

    [Test]
    public async Task Objects_are_files_under_the_root_named_by_their_key()
    {
        await PutTextAsync("a/b/c.txt", "hello");

        Assert.That(File.ReadAllText(Path.Combine(Root, "a", "b", "c.txt")), Is.EqualTo("hello"));
        Assert.That(Directory.GetFileSystemEntries(Root, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(Root, p)),
            Is.EquivalentTo(new[] { "a", Path.Combine("a", "b"), Path.Combine("a", "b", "c.txt") }), "no temporary file is left behind");
    }

    [TestCase("../outside")]
    [TestCase("a/../../outside")]
    [TestCase("/tmp/outside")]
    [TestCase("a\\..\\..\\outside")]
    [TestCase("outside\0.txt")]
    public void Keys_that_could_leave_the_root_are_refused_and_nothing_is_written(string key)
    {
        Assert.That(async () => await Store.PutAsync(key, Text("x")), Throws.InstanceOf<InvalidStorageKeyException>());
        Assert.That(Directory.GetFileSystemEntries(_temp.Path), Is.EqualTo(new[] { Root }));
        Assert.That(Directory.GetFileSystemEntries(Root), Is.Empty);
    }

    [Test]
    public async Task A_symlinked_folder_pointing_outside_is_never_followed()
    {
        SkipWithoutSymlinks();
        File.WriteAllText(_outside.Combine("secret"), "secret");
        Directory.CreateSymbolicLink(Path.Combine(Root, "link"), _outside.Path);
        Directory.CreateDirectory(Path.Combine(Root, "real"));
        Directory.CreateSymbolicLink(Path.Combine(Root, "real", "nested"), _outside.Path);
        await PutTextAsync("real/file", "inside");

        foreach (string folder in new[] { "link", "real/nested" })
        {
            string key = folder + "/secret";
            Assert.That(async () => await Store.OpenReadAsync(key), Throws.InstanceOf<InvalidStorageKeyException>().Or.InstanceOf<StorageKeyNotFoundException>(), key);
            Assert.That(async () => await StatOrNullAsync(key), Is.Null, key);
            Assert.That(async () => await Store.PutAsync(folder + "/new", Text("x")), Throws.InstanceOf<InvalidStorageKeyException>(), key);
            Assert.That(async () => await Store.PutAsync(folder + "/deeper/new", Text("x")), Throws.InstanceOf<InvalidStorageKeyException>(), key);
            Assert.That(async () => await DeleteOrFalseAsync(key), Is.False, key);
            Assert.That(await ListKeysAsync(folder + "/"), Is.Empty, key);
        }
        Assert.That(await ListKeysAsync(""), Is.EqualTo(new[] { "real/file" }));
        Assert.That(Directory.GetFileSystemEntries(_outside.Path), Is.EqualTo(new[] { _outside.Combine("secret") }));
        Assert.That(File.ReadAllText(_outside.Combine("secret")), Is.EqualTo("secret"));
    }

    [Test]
    public async Task A_symlinked_file_pointing_outside_is_never_followed()
    {
        SkipWithoutSymlinks();
        File.WriteAllText(_outside.Combine("secret"), "secret");
        File.CreateSymbolicLink(Path.Combine(Root, "link"), _outside.Combine("secret"));

        Assert.That(async () => await Store.OpenReadAsync("link"), Throws.InstanceOf<InvalidStorageKeyException>().Or.InstanceOf<StorageKeyNotFoundException>());
        Assert.That(async () => await StatOrNullAsync("link"), Is.Null);
        Assert.That(await ListKeysAsync(""), Is.Empty);
        Assert.That(async () => await Store.PutAsync("link", Text("x"), new PutOptions { IfNoneMatch = true }), Throws.InstanceOf<StorageException>());
        Assert.That(async () => await DeleteOrFalseAsync("link"), Is.False);
        Assert.That(File.ReadAllText(_outside.Combine("secret")), Is.EqualTo("secret"));

        // A plain put replaces the link itself (a rename never writes through it).
        await PutTextAsync("link", "replaced");

        Assert.That(File.ReadAllText(_outside.Combine("secret")), Is.EqualTo("secret"));
        Assert.That(await ReadTextAsync("link"), Is.EqualTo("replaced"));
    }

    [Test]
    public async Task Temporary_files_are_neither_listed_nor_addressable()
    {
        await PutTextAsync("dir/real", "x");
        string leftover = LocalObjectStore.TempPrefix + "crashed-1";
        File.WriteAllText(Path.Combine(Root, leftover), "partial");
        File.WriteAllText(Path.Combine(Root, "dir", leftover), "partial");
        Directory.CreateDirectory(Path.Combine(Root, "empty-after-crash"));
        File.WriteAllText(Path.Combine(Root, "empty-after-crash", leftover), "partial");

        Assert.That(await ListKeysAsync(""), Is.EqualTo(new[] { "dir/real" }));
        Assert.That(await ListKeysAsync("dir/"), Is.EqualTo(new[] { "dir/real" }));
        Assert.That(await ListKeysAsync("", "dir/"), Is.EqualTo(new[] { "dir/real" }));
        Assert.That(async () => await Store.OpenReadAsync(leftover), Throws.InstanceOf<InvalidStorageKeyException>());
        Assert.That(async () => await Store.OpenReadAsync("dir/" + leftover), Throws.InstanceOf<InvalidStorageKeyException>());
        Assert.That(async () => await Store.PutAsync(leftover, Text("x")), Throws.InstanceOf<InvalidStorageKeyException>());
        Assert.That(async () => await Store.DeleteAsync("dir/" + leftover), Throws.InstanceOf<InvalidStorageKeyException>());
    }

    [Test]
    public async Task Failed_and_cancelled_puts_leave_no_temporary_file()
    {
        await PutTextAsync("f/taken", "x");
        Assert.That(async () => await Store.PutAsync("f/taken", Text("y"), new PutOptions { IfNoneMatch = true }), Throws.InstanceOf<StorageKeyExistsException>());
        using var cts = new CancellationTokenSource();
        var content = new NonSeekableStream(new byte[100_000], _ => cts.Cancel());
        Assert.That(async () => await Store.PutAsync("f/cancelled", content, cancellationToken: cts.Token), Throws.InstanceOf<OperationCanceledException>());

        Assert.That(Directory.GetFiles(Path.Combine(Root, "f")).Select(Path.GetFileName), Is.EqualTo(new[] { "taken" }));
    }

    [Test]
    public async Task Durable_puts_write_and_replace_objects()
    {
        var durable = new PutOptions { Durable = true };

        await Store.PutAsync("d/one", Text("1"), durable);
        await Store.PutAsync("d/one", Text("11"), durable);
        await Store.PutAsync("d/two", Text("2"), durable with { IfNoneMatch = true });

        Assert.That(await ReadTextAsync("d/one"), Is.EqualTo("11"));
        Assert.That(await ReadTextAsync("d/two"), Is.EqualTo("2"));
        Assert.That(async () => await Store.PutAsync("d/two", Text("x"), durable with { IfNoneMatch = true }), Throws.InstanceOf<StorageKeyExistsException>());
    }

    [Test]
    public async Task Delete_removes_folders_left_empty_but_never_the_root()
    {
        await PutTextAsync("x/y/z", "1");
        await PutTextAsync("x/kept", "2");

        await Store.DeleteAsync("x/y/z");
        Assert.That(Directory.Exists(Path.Combine(Root, "x", "y")), Is.False);
        Assert.That(Directory.Exists(Path.Combine(Root, "x")), Is.True);

        await Store.DeleteAsync("x/kept");
        Assert.That(Directory.Exists(Root), Is.True);
        Assert.That(Directory.GetFileSystemEntries(Root), Is.Empty);
    }

    [Test]
    public async Task A_folder_removed_behind_the_stores_back_is_created_again()
    {
        await PutTextAsync("p/q/1", "1");
        Directory.Delete(Path.Combine(Root, "p"), recursive: true);

        await PutTextAsync("p/q/2", "2");

        Assert.That(await ListKeysAsync(""), Is.EqualTo(new[] { "p/q/2" }));
    }

    [Test]
    public async Task An_object_and_a_folder_cannot_share_a_name()
    {
        await PutTextAsync("a", "object");
        await PutTextAsync("b/c", "object");

        Assert.That(async () => await Store.PutAsync("a/b", Text("x")), Throws.InstanceOf<StorageException>());
        Assert.That(async () => await Store.PutAsync("b", Text("x")), Throws.InstanceOf<StorageException>());
        Assert.That(await ReadTextAsync("a"), Is.EqualTo("object"));
        Assert.That(await ListKeysAsync(""), Is.EqualTo(new[] { "a", "b/c" }));
    }

    [Test]
    public async Task Concurrent_puts_and_deletes_in_one_folder_never_fail()
    {
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (int i = 0; i < 300; i++)
            {
                string key = $"busy/sub/{w}-{i % 3}";
                await Store.PutAsync(key, Text(key));
                if (i % 2 == 0)
                {
                    await Store.DeleteAsync(key);
                }
            }
        }));

        await Task.WhenAll(writers);

        var listed = await ListKeysAsync("busy/");
        foreach (string key in listed)
        {
            Assert.That(await ReadTextAsync(key), Is.EqualTo(key));
        }
        Assert.That(Directory.GetFiles(Path.Combine(Root, "busy", "sub")).Select(Path.GetFileName), Is.EquivalentTo(listed.Select(Path.GetFileName)));
    }

    [Test]
    public async Task A_second_store_on_the_same_folder_sees_the_objects()
    {
        await PutTextAsync("shared/key", "v");

        var other = new LocalObjectStore(Root);

        Assert.That((await other.StatAsync("shared/key"))!.Size, Is.EqualTo(1));
        Assert.That(await other.DeleteAsync("shared/key"), Is.True);
        Assert.That(await Store.StatAsync("shared/key"), Is.Null);
    }

    private async Task<ObjectStat?> StatOrNullAsync(string key)
    {
        try
        {
            return await Store.StatAsync(key);
        }
        catch (InvalidStorageKeyException)
        {
            return null;
        }
    }

    private async Task<bool> DeleteOrFalseAsync(string key)
    {
        try
        {
            return await Store.DeleteAsync(key);
        }
        catch (InvalidStorageKeyException)
        {
            return false;
        }
    }

    private static void SkipWithoutSymlinks() =>
        Assume.That(!OperatingSystem.IsWindows(), "creating symbolic links needs extra rights on Windows");
}
