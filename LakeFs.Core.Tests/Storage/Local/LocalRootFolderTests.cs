using System.Text;
using LakeFs.Core.Tests.TestSupport;
using LakeFs.Storage;
using LakeFs.Storage.Local;

namespace LakeFs.Core.Tests.Storage.Local;

/// <summary>
/// On Linux the local store resolves every key beneath its open root at the moment of use
/// (<see cref="LocalRootFolder"/>), so a folder swapped for a symbolic link to an outside folder, before an operation
/// or at any moment during many, never moves a read, write, delete, listing or stat outside the root. Run with
/// openat2 and with the folder-by-folder walk of kernels before 5.6.
/// </summary>
[TestFixture(true)]
[TestFixture(false)]
public sealed class LocalRootFolderTests(bool openat2)
{
    private const string OutsideText = "outside";

    private TempDirectory _temp = null!;
    private TempDirectory _outside = null!;
    private LocalObjectStore _store = null!;

    private string Root => _temp.Combine("root");

    [SetUp]
    public void SetUp()
    {
        _temp = new TempDirectory();
        _outside = new TempDirectory();
        _store = new LocalObjectStore(Root, linuxCalls: true, newestCalls: openat2);
        Assume.That(_store.ResolvesBeneathRoot, "only Linux (x64, arm64) resolves paths beneath the root; elsewhere the store works by path");
        Assert.That(_store.UsesOpenat2, Is.EqualTo(openat2));
        foreach (string name in OutsideNames)
        {
            File.WriteAllText(_outside.Combine(name), OutsideText);
        }
    }

    [TearDown]
    public void TearDown()
    {
        _temp.Dispose();
        _outside.Dispose();
    }

    /// <summary>Names the tests' keys use, and one no key uses (seen only by a listing that left the root).</summary>
    private static readonly string[] OutsideNames = ["k0", "k1", "k2", "k3", "only-outside"];

    [TestCase("a/b")]
    [TestCase("a")]
    public async Task A_folder_swapped_for_a_link_after_it_was_used_is_never_followed(string swapped)
    {
        await PutTextAsync("a/b/k0", "inside");
        await PutTextAsync("a/b/k1", "inside");
        Assert.That(await ReadTextAsync("a/b/k0"), Is.EqualTo("inside"), "the store has used the folders before the swap");

        SwapForLink(swapped);

        Assert.That(async () => await PutTextAsync("a/b/k2", "x"), Throws.InstanceOf<InvalidStorageKeyException>());
        Assert.That(async () => await PutTextAsync("a/b/new/k3", "x"), Throws.InstanceOf<InvalidStorageKeyException>());
        Assert.That(async () => await _store.PutAsync("a/b/k3", Text("x"), new PutOptions { IfNoneMatch = true, Durable = true }), Throws.InstanceOf<InvalidStorageKeyException>());
        Assert.That(async () => await _store.OpenReadAsync("a/b/k0"), Throws.InstanceOf<InvalidStorageKeyException>());
        Assert.That(async () => await _store.OpenReadAsync("a/b/k1", new ByteRange(1, 3)), Throws.InstanceOf<InvalidStorageKeyException>());
        Assert.That(async () => await _store.StatAsync("a/b/k0"), Throws.InstanceOf<InvalidStorageKeyException>());
        Assert.That(async () => await _store.DeleteAsync("a/b/k1"), Throws.InstanceOf<InvalidStorageKeyException>());
        Assert.That(await ListKeysAsync("a/"), Is.Empty);
        Assert.That(await ListKeysAsync("a/b/"), Is.Empty);
        Assert.That(await ListKeysAsync(""), Has.None.StartsWith("a/"));
        AssertOutsideUntouched();
    }

    [Test]
    public async Task A_file_swapped_for_a_link_is_neither_read_stat_nor_deleted_and_a_put_replaces_the_link()
    {
        await PutTextAsync("a/k0", "inside");
        File.Delete(Path.Combine(Root, "a", "k0"));
        File.CreateSymbolicLink(Path.Combine(Root, "a", "k0"), _outside.Combine("k0"));

        Assert.That(async () => await _store.OpenReadAsync("a/k0"), Throws.InstanceOf<InvalidStorageKeyException>());
        Assert.That(async () => await _store.StatAsync("a/k0"), Throws.InstanceOf<InvalidStorageKeyException>());
        Assert.That(async () => await _store.DeleteAsync("a/k0"), Throws.InstanceOf<InvalidStorageKeyException>());
        Assert.That(async () => await _store.PutAsync("a/k0", Text("x"), new PutOptions { IfNoneMatch = true }), Throws.InstanceOf<StorageKeyExistsException>());
        Assert.That(await ListKeysAsync(""), Is.Empty);

        await PutTextAsync("a/k0", "replaced");

        Assert.That(await ReadTextAsync("a/k0"), Is.EqualTo("replaced"));
        AssertOutsideUntouched();
    }

    [Test]
    public async Task A_folder_swapped_for_a_link_during_a_streaming_put_is_not_written_through()
    {
        await PutTextAsync("a/b/k0", "inside");
        bool swapped = false;
        var content = new NonSeekableStream(new byte[100_000], position =>
        {
            if (!swapped)
            {
                swapped = true;
                SwapForLink("a/b");
            }
        });

        // The file was opened in the real folder, which now sits (renamed) inside the root: the object lands there
        // or the put fails, but nothing reaches the outside folder the link points to.
        try
        {
            await _store.PutAsync("a/b/k1", content);
        }
        catch (StorageException)
        {
        }

        Assert.That(swapped, Is.True);
        AssertOutsideUntouched();
    }

    [Test]
    public async Task Folders_swapped_for_links_at_random_moments_never_let_an_operation_leave_the_root()
    {
        const int Workers = 4;
        const int OperationsPerWorker = 1500;
        using var done = new CancellationTokenSource();
        int swaps = 0;
        var swapper = Task.Run(() =>
        {
            var random = new Random(7);
            while (!done.IsCancellationRequested)
            {
                string folder = random.Next(2) == 0 ? "s" : "s/d";
                if (TrySwapForLink(folder, random.Next()))
                {
                    swaps++;
                    Thread.SpinWait(random.Next(2000));
                    TryRestore(folder);
                }
                Thread.SpinWait(random.Next(2000));
            }
        });
        var seen = new List<string>();
        var workers = Enumerable.Range(0, Workers).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            for (int i = 0; i < OperationsPerWorker; i++)
            {
                string key = "s/d/k" + random.Next(4);
                try
                {
                    switch (random.Next(5))
                    {
                        case 0:
                            await _store.PutAsync(key, Text("inside " + w), new PutOptions { Durable = random.Next(8) == 0, IfNoneMatch = random.Next(3) == 0 });
                            break;
                        case 1:
                            string text = await ReadTextAsync(key);
                            lock (seen)
                            {
                                seen.Add(text);
                            }
                            break;
                        case 2:
                            await _store.DeleteAsync(key);
                            break;
                        case 3:
                            var keys = await ListKeysAsync(random.Next(2) == 0 ? "s/" : "s/d/");
                            lock (seen)
                            {
                                seen.AddRange(keys);
                            }
                            break;
                        default:
                            await _store.StatAsync(key);
                            break;
                    }
                }
                catch (StorageException)
                {
                    // Refused links, missing objects, taken keys, a folder where the swap left a file: all expected.
                }
            }
        })).ToArray();

        try
        {
            await Task.WhenAll(workers);
        }
        finally
        {
            await done.CancelAsync();
            await swapper;
        }

        Assert.That(swaps, Is.GreaterThan(0));
        Assert.That(seen, Has.None.EqualTo(OutsideText).And.None.EndsWith("only-outside"), "a read or listing went through a link");
        AssertOutsideUntouched();
    }

    /// <summary>Renames the folder away (inside the root) and puts a link to the outside folder in its place.</summary>
    private void SwapForLink(string folder) =>
        Assert.That(TrySwapForLink(folder, 0), Is.True, "swap " + folder);

    private bool TrySwapForLink(string folder, int tag)
    {
        string path = Path.Combine(Root, folder);
        try
        {
            Directory.Move(path, Path.Combine(Root, "parked-" + folder.Replace('/', '-') + "-" + tag));
        }
        catch (IOException)
        {
            // Missing right now (a delete removed it) or the parking name is taken: link straight away if free.
        }
        try
        {
            Directory.CreateSymbolicLink(path, _outside.Path);
            return true;
        }
        catch (IOException)
        {
            // A put created the folder again (or the folder above is missing) in the meantime.
            return false;
        }
    }

    private void TryRestore(string folder)
    {
        var info = new FileInfo(Path.Combine(Root, folder));
        if (info.LinkTarget is not null)
        {
            info.Delete();
        }
    }

    private void AssertOutsideUntouched()
    {
        Assert.That(Directory.GetFileSystemEntries(_outside.Path).Select(Path.GetFileName), Is.EquivalentTo(OutsideNames), "files created or deleted outside the root");
        foreach (string name in OutsideNames)
        {
            Assert.That(File.ReadAllText(_outside.Combine(name)), Is.EqualTo(OutsideText), "file written outside the root: " + name);
        }
    }

    private static MemoryStream Text(string text) => new(Encoding.UTF8.GetBytes(text));

    private Task<ObjectStat> PutTextAsync(string key, string text) => _store.PutAsync(key, Text(text));

    private async Task<string> ReadTextAsync(string key)
    {
        await using var stream = await _store.OpenReadAsync(key);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    private async Task<List<string>> ListKeysAsync(string prefix)
    {
        var keys = new List<string>();
        await foreach (var stat in _store.ListAsync(prefix))
        {
            keys.Add(stat.Key);
        }
        return keys;
    }
}
