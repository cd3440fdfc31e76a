using System.Runtime.InteropServices;
using System.Text;
using LakeFs.Core.Tests.TestSupport;
using LakeFs.Storage;
using LakeFs.Storage.Local;

namespace LakeFs.Core.Tests.Storage.Local;

/// <summary>
/// The object-store contract run against <see cref="LocalObjectStore"/>, plus what only a local folder can get wrong;
/// once as it runs (on Linux: paths resolved beneath the open root with openat2, unnamed files for puts), once as on
/// an older kernel and file system (a folder-by-folder walk, named temporary files), and once forced onto the
/// portable paths of macOS and Windows (by path, named temporary files, .NET's file open).
/// </summary>
[TestFixture(true, true)]
[TestFixture(true, false)]
[TestFixture(false, true)]
public sealed class LocalObjectStoreContractTests(bool linuxCalls, bool newestCalls) : ObjectStoreContractTests
{
    private TempDirectory _temp = null!;
    private TempDirectory _outside = null!;

    private string Root => Path.Combine(_temp.Path, "root");

    protected override Task<IObjectStore> CreateStoreAsync()
    {
        _temp = new TempDirectory();
        _outside = new TempDirectory();
        return Task.FromResult<IObjectStore>(new LocalObjectStore(Root, linuxCalls, newestCalls: newestCalls));
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
    public async Task A_filtered_listing_on_linux_reads_a_files_size_when_its_key_is_reached()
    {
        await PutTextAsync("s/a", "1");
        await PutTextAsync("s/b", "1");

        var sizes = new List<long>();
        await foreach (var stat in Store.ListWhereAsync("s/", key =>
        {
            if (key == "s/a")
            {
                // Replaced after the folder was read, before the listing reaches it.
                File.WriteAllText(Path.Combine(Root, "s", "b"), "333");
            }
            return key == "s/b";
        }))
        {
            sizes.Add(stat.Size);
        }

        // On Linux the folder read names the files only, and a file's facts are read when its key is accepted;
        // the portable path reads them with the folder.
        Assert.That(sizes, Is.EqualTo(new[] { linuxCalls && OperatingSystem.IsLinux() ? 3L : 1L }));
    }

    [Test]
    public async Task Puts_write_unnamed_files_on_linux_x64_and_arm64_unless_turned_off()
    {
        await PutTextAsync("k", "x");

        bool expected = linuxCalls
            && newestCalls
            && OperatingSystem.IsLinux()
            && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;
        Assert.That(LocalStore.WritesUnnamedFiles, Is.EqualTo(expected), "O_TMPFILE needs Linux 3.11+, a file system with it and /proc");
    }

    [Test]
    public async Task A_put_in_flight_shows_no_file_unless_it_writes_a_named_temporary_file()
    {
        await PutTextAsync("f/first", "x");
        string folder = Path.Combine(Root, "f");
        string[] midway = [];
        var content = new NonSeekableStream(new byte[100_000], position =>
        {
            if (position > 50_000 && midway.Length == 0)
            {
                midway = [.. Directory.GetFiles(folder).Select(Path.GetFileName).Where(n => n != "first")!];
            }
        });

        await Store.PutAsync("f/second", content, new PutOptions { IfNoneMatch = true });

        if (LocalStore.WritesUnnamedFiles)
        {
            Assert.That(midway, Is.Empty);
        }
        else
        {
            Assert.That(midway, Has.Length.EqualTo(1).And.All.StartsWith(LocalObjectStore.TempPrefix));
        }
        Assert.That(Directory.GetFiles(folder).Select(Path.GetFileName), Is.EquivalentTo(new[] { "first", "second" }));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task A_conditional_put_onto_a_taken_key_keeps_the_old_bytes_and_leaves_no_file(bool durable)
    {
        byte[] old = RandomBytes(70_000, seed: 1);
        await Store.PutAsync("f/taken", new MemoryStream(old));

        Assert.That(
            async () => await Store.PutAsync("f/taken", new MemoryStream(RandomBytes(90_000, seed: 2)), new PutOptions { IfNoneMatch = true, Durable = durable }),
            Throws.InstanceOf<StorageKeyExistsException>());

        Assert.That(await ReadAllAsync("f/taken"), Is.EqualTo(old));
        Assert.That(Directory.GetFileSystemEntries(Path.Combine(Root, "f")).Select(Path.GetFileName), Is.EqualTo(new[] { "taken" }));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task A_plain_put_onto_a_taken_key_replaces_it_and_leaves_no_temporary_file(bool durable)
    {
        await PutTextAsync("f/taken", "old, and longer");

        var stat = await Store.PutAsync("f/taken", Text("new"), new PutOptions { Durable = durable });

        Assert.That(stat.Size, Is.EqualTo(3));
        Assert.That(await ReadTextAsync("f/taken"), Is.EqualTo("new"));
        Assert.That(Directory.GetFileSystemEntries(Path.Combine(Root, "f")).Select(Path.GetFileName), Is.EqualTo(new[] { "taken" }));
    }

    [Test]
    public async Task Concurrent_conditional_creates_leave_one_winner_per_key_and_no_temporary_file()
    {
        const int Keys = 20;
        const int Writers = 4;
        var winners = new int[Keys];
        Array.Fill(winners, -1);
        var tasks = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (int k = 0; k < Keys; k++)
            {
                try
                {
                    await Store.PutAsync($"race/{k}", Text($"writer {w}"), new PutOptions { IfNoneMatch = true });
                    Assert.That(Interlocked.CompareExchange(ref winners[k], w, -1), Is.EqualTo(-1), $"second winner for key {k}");
                }
                catch (StorageKeyExistsException)
                {
                }
            }
        }));

        await Task.WhenAll(tasks);

        for (int k = 0; k < Keys; k++)
        {
            Assert.That(winners[k], Is.Not.EqualTo(-1), $"no winner for key {k}");
            Assert.That(await ReadTextAsync($"race/{k}"), Is.EqualTo($"writer {winners[k]}"));
        }
        Assert.That(Directory.GetFileSystemEntries(Path.Combine(Root, "race")).Select(Path.GetFileName),
            Is.EquivalentTo(Enumerable.Range(0, Keys).Select(k => k.ToString(System.Globalization.CultureInfo.InvariantCulture))));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task A_folder_a_delete_removes_while_a_put_streams_is_created_again(bool ifNoneMatch)
    {
        await PutTextAsync("f/g/other", "x");
        await PutTextAsync("f/kept", "x");
        string folder = Path.Combine(Root, "f", "g");
        bool? removedMidway = null;
        var content = new NonSeekableStream(RandomBytes(100_000, seed: 4), position =>
        {
            if (removedMidway is null)
            {
                Store.DeleteAsync("f/g/other").GetAwaiter().GetResult();
                removedMidway = !Directory.Exists(folder);
            }
        });

        await Store.PutAsync("f/g/new", content, new PutOptions { IfNoneMatch = ifNoneMatch });

        Assert.That(removedMidway, Is.EqualTo(LocalStore.WritesUnnamedFiles), "an unnamed file does not keep its folder from emptying");
        Assert.That(await ReadAllAsync("f/g/new"), Is.EqualTo(RandomBytes(100_000, seed: 4)));
        Assert.That(await ListKeysAsync("f/"), Is.EqualTo(new[] { "f/g/new", "f/kept" }));
        Assert.That(Directory.GetFileSystemEntries(folder).Select(Path.GetFileName), Is.EqualTo(new[] { "new" }));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task A_put_onto_a_folder_fails_as_before_and_leaves_no_file(bool ifNoneMatch)
    {
        await PutTextAsync("b/c", "object");

        var thrown = Assert.ThrowsAsync(Is.InstanceOf<StorageException>(), async () => await Store.PutAsync("b", Text("x"), new PutOptions { IfNoneMatch = ifNoneMatch }));

        Assert.That(thrown!.Message, Is.EqualTo(ifNoneMatch ? "An object with key 'b' already exists." : "Cannot write 'b': a folder has that name"));
        Assert.That(Directory.GetFileSystemEntries(Root).Select(Path.GetFileName), Is.EqualTo(new[] { "b" }));
        Assert.That(await ListKeysAsync(""), Is.EqualTo(new[] { "b/c" }));
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
        // Every writer empties the folders often, so most puts race a delete that removes "busy/sub" (and "busy")
        // between the put's look at the folder and its create, link or rename in it.
        var writers = Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
        {
            for (int i = 0; i < 400; i++)
            {
                string key = $"busy/sub/{w}-{i % 3}";
                await Store.PutAsync(key, Text(key), new PutOptions { IfNoneMatch = i % 3 == 1, Durable = i % 50 == 0 });
                Assert.That(await Store.DeleteAsync(key), Is.True, key);
            }
            await PutTextAsync($"busy/sub/{w}-last", $"busy/sub/{w}-last");
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

    private LocalObjectStore LocalStore => (LocalObjectStore)Store;

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
