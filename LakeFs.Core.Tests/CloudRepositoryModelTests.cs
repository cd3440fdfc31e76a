using LakeFs.Core.Tests.Storage;
using LakeFs.Core.Trees;
using LakeFs.Core.Tests.TestSupport;
using LakeFs.Storage;

namespace LakeFs.Core.Tests;

/// <summary>
/// The model-based repository scenarios of <see cref="RepositoryModelTests"/>, fewer and shorter, on each cloud
/// emulator (S3: s3rver, Azure: Azurite, GCS: a local JSON-API protocol fake) through the retrying and caching decorators.
/// </summary>
[TestFixtureSource(typeof(CloudStores), nameof(CloudStores.Names))]
[Category("Emulator")]
public sealed class CloudRepositoryModelTests(string cloud)
{
    [TestCase(20261125, 15)]
    [TestCase(4242, 15)]
    public async Task Cloud_repository_agrees_with_the_model(int seed, int length)
    {
        using var cache = new TempDirectory();
        var (store, client) = await CloudStores.OpenAsync(cloud);
        using (client)
        {
            var cached = new CachingObjectStore(new RetryingObjectStore(store), new FileCacheOptions { Folder = cache.Path, MaxBytes = 16L << 20 }, TreeStore.ImmutablePrefixes);
            await RepositoryModelTests.RunAsync(new RepositoryModelTests.Scenario(seed, length), memory: false, cached);
        }
    }
}
