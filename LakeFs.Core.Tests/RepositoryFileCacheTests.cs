using LakeFs.Core.Tests.TestSupport;
using LakeFs.Core.Tests.Verification;
using LakeFs.Storage;
using LakeFs.Storage.Memory;

namespace LakeFs.Core.Tests;

/// <summary>RepositoryOptions.FileCache: the repository caches its own range and metarange files, and nothing else.</summary>
public sealed class RepositoryFileCacheTests
{
    [Test]
    public async Task A_second_read_takes_the_tree_files_from_the_file_cache_the_tree_files_from_the_file_cache_and_the_object_bytes_from_the_store()
    {
        using var temp = new TempDirectory();
        var store = new CountingObjectStore(new MemoryObjectStore());
        var options = new RepositoryOptions
        {
            ObjectStore = store,
            RefStore = new SqliteRefStoreOptions(temp.Combine("refs.db")),
            FileCache = new FileCacheOptions { Folder = temp.Combine("cache"), MaxBytes = 16L << 20 },
        };
        string commitId;
        await using (var repo = await Repository.CreateAsync(options))
        {
            Assert.That(repo.ObjectStore, Is.InstanceOf<CachingObjectStore>());
            await repo.PutObjectAsync("main", "a.txt", "alpha");
            commitId = (await repo.CommitAsync("main", "one")).Id;
            Assert.That(await ReadAsync(repo, commitId, "a.txt"), Is.EqualTo("alpha"));
        }

        // No memory cache of trees: every read of the commit goes to the object store, the first through to storage.
        await using (var reader = await Repository.OpenAsync(options with { CacheSizeBytes = 0 }))
        {
            Assert.That(await ReadAsync(reader, commitId, "a.txt"), Is.EqualTo("alpha"));
            store.Clear();
            Assert.That(await ReadAsync(reader, commitId, "a.txt"), Is.EqualTo("alpha"));
        }

        var read = store.Reads.Keys.ToList();
        Assert.That(read.Where(k => k.StartsWith("_lakefs/ranges/", StringComparison.Ordinal) || k.StartsWith("_lakefs/metaranges/", StringComparison.Ordinal)),
            Is.Empty, "the second read found the tree files in the cache");
        Assert.That(read.Where(k => k.StartsWith("data/", StringComparison.Ordinal)).ToList(), Has.Count.EqualTo(1), "object bytes are not cached");
        Assert.That(Directory.EnumerateFiles(temp.Combine("cache")).Count(), Is.EqualTo(2), "one range and one metarange");
    }

    private static async Task<string> ReadAsync(Repository repo, string reference, string path)
    {
        using var reader = new StreamReader(await repo.OpenReadAsync(reference, path));
        return await reader.ReadToEndAsync();
    }
}
