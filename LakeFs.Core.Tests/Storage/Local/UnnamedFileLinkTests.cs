using System.Text;
using LakeFs.Core.Tests.TestSupport;
using LakeFs.Storage;
using LakeFs.Storage.Local;

namespace LakeFs.Core.Tests.Storage.Local;

/// <summary>How the local store names an unnamed file: by its descriptor where the kernel allows it, else through /proc.</summary>
public sealed class UnnamedFileLinkTests
{
    private TempDirectory _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempDirectory();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    private static async Task<string> ReadTextAsync(IObjectStore store, string key)
    {
        await using var stream = await store.OpenReadAsync(key);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    private static Task PutTextAsync(IObjectStore store, string key, string text, bool ifNoneMatch = false) =>
        store.PutAsync(key, new MemoryStream(Encoding.UTF8.GetBytes(text)), new PutOptions { IfNoneMatch = ifNoneMatch });

    [Test]
    public async Task Kernels_from_6_10_name_unnamed_files_by_descriptor()
    {
        var store = new LocalObjectStore(_temp.Combine("root"));
        await PutTextAsync(store, "a/b", "x");
        Assume.That(store.WritesUnnamedFiles, "this platform writes named temporary files");
        Assume.That(Environment.OSVersion.Version, Is.GreaterThanOrEqualTo(new Version(6, 10)), "older kernels allow it only with CAP_DAC_READ_SEARCH");
        Assert.That(store.LinksByDescriptor, Is.True);
    }

    [Test]
    public async Task Links_through_proc_create_replace_and_refuse_taken_names()
    {
        var store = new LocalObjectStore(_temp.Combine("root"), linuxCalls: true, linksByDescriptor: false);
        await PutTextAsync(store, "t/k", "one");
        Assume.That(store.WritesUnnamedFiles, "this platform writes named temporary files");
        Assert.That(store.LinksByDescriptor, Is.False);

        await PutTextAsync(store, "t/k", "two");
        Assert.That(async () => await PutTextAsync(store, "t/k", "three", ifNoneMatch: true), Throws.InstanceOf<StorageKeyExistsException>());
        await PutTextAsync(store, "t/new", "four", ifNoneMatch: true);

        Assert.That(await ReadTextAsync(store, "t/k"), Is.EqualTo("two"));
        Assert.That(await ReadTextAsync(store, "t/new"), Is.EqualTo("four"));
        Assert.That(Directory.GetFiles(_temp.Combine("root", "t")).Select(Path.GetFileName), Is.EquivalentTo(new[] { "k", "new" }));
    }
}
