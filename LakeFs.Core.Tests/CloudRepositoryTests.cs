using System.Text;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.Storage;
using LakeFs.Core.Tests.TestSupport;
using LakeFs.Storage;

namespace LakeFs.Core.Tests;

/// <summary>
/// A whole repository on each cloud emulator (S3: s3rver, Azure: Azurite, GCS: a local JSON-API protocol fake),
/// through the retrying and caching decorators, with its refs in a local SQLite file.
/// </summary>
[TestFixtureSource(typeof(CloudStores), nameof(CloudStores.Names))]
[Category("Emulator")]
public sealed class CloudRepositoryTests(string cloud)
{
    private TempDirectory _temp = null!;
    private IObjectStore _cloud = null!;
    private IDisposable? _client;

    [SetUp]
    public async Task SetUpAsync()
    {
        _temp = new TempDirectory();
        (_cloud, _client) = await CloudStores.OpenAsync(cloud);
    }

    [TearDown]
    public void TearDown()
    {
        _client?.Dispose();
        _temp.Dispose();
    }

    private RepositoryOptions Options(string cacheName) => new()
    {
        ObjectStore = new RetryingObjectStore(_cloud),
        FileCache = new FileCacheOptions { Folder = _temp.Combine(cacheName), MaxBytes = 64L << 20 },
        RefStore = new SqliteRefStoreOptions(_temp.Combine("refs.db")),
    };

    [Test]
    public Task Garbage_collection_deletes_exactly_the_garbage_and_a_second_run_skips_clean_partitions() =>
        GcScenario.RunAsync(time => Options("cache-gc") with { TimeProvider = time, Tree = TestRepositories.SmallTree });

    [Test]
    public async Task Branch_commit_merge_and_tag_work_end_to_end_and_survive_a_reopen()
    {
        var expected = new Dictionary<string, string>();
        await using (var repo = await Repository.CreateAsync(Options("cache1")))
        {
            for (int i = 0; i < 40; i++)
            {
                var path = $"tables/t{i % 3}/part-{i:D3}.csv";
                expected[path] = $"row {i}";
                await PutAsync(repo, "main", path, expected[path]);
            }
            await repo.CommitAsync("main", "load");
            await repo.TagAsync("v1", "main");
            var v1 = new Dictionary<string, string>(expected);

            await repo.BranchAsync("feature", "main");
            await PutAsync(repo, "feature", "tables/t0/part-000.csv", "changed");
            await PutAsync(repo, "feature", "tables/t9/new.csv", "new");
            await repo.DeleteObjectAsync("feature", "tables/t1/part-001.csv");
            await repo.CommitAsync("feature", "change");
            Assert.That(await ContentAsync(repo, "main"), Is.EqualTo(v1), "main is isolated from feature");

            await repo.MergeAsync("feature", "main");
            expected["tables/t0/part-000.csv"] = "changed";
            expected["tables/t9/new.csv"] = "new";
            expected.Remove("tables/t1/part-001.csv");

            Assert.That(await ContentAsync(repo, "main"), Is.EqualTo(expected));
            Assert.That(await ContentAsync(repo, "v1"), Is.EqualTo(v1));
        }

        await using (var reopened = await Repository.OpenAsync(Options("cache2")))
        {
            Assert.That(await ContentAsync(reopened, "main@"), Is.EqualTo(expected));
        }
        bool anyRange = false;
        await foreach (var _ in _cloud.ListAsync("_lakefs/ranges/"))
        {
            anyRange = true;
            break;
        }
        Assert.That(anyRange, Is.True, "committed ranges live on the cloud store");
    }

    private static async Task PutAsync(Repository repo, string branch, string path, string text) =>
        await repo.PutObjectAsync(branch, path, new MemoryStream(Encoding.UTF8.GetBytes(text)));

    private static async Task<Dictionary<string, string>> ContentAsync(Repository repo, string @ref)
    {
        var result = new Dictionary<string, string>();
        await foreach (var item in repo.ListObjectsAsync(@ref))
        {
            await using var stream = await repo.OpenReadAsync(@ref, item.Path);
            result[item.Path] = await new StreamReader(stream).ReadToEndAsync();
        }
        return result;
    }
}
