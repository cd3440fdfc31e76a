using System.Diagnostics;
using LakeFs.Core.Model;
using LakeFs.Core.Refs;
using LakeFs.Core.Tests.TestSupport;
using LakeFs.RefStore.PostgreSql;

namespace LakeFs.Core.Tests.Refs;

/// <summary>
/// The ref-store contract run against <see cref="PostgreSqlRefStore"/>, each test in a fresh schema of the server
/// ./test.sh starts (<c>LAKEFS_POSTGRES</c>), dropped afterwards. The second instance has a data source (pool) and
/// caches of its own, as another machine would.
/// </summary>
[TestFixture]
public sealed class PostgreSqlRefStoreContractTests : RefStoreContractTests
{
    private PostgreSqlRefStoreOptions? _options;

    // PostgreSqlRefStore's page sizes.
    protected override int ListPageSize => 1000;

    protected override int StagedPageSize => 2048;

    protected override int HistoryPageSize => 1024;

    private protected override IRefStore CreateStore()
    {
        _options = PostgreSqlServer.FreshOptions();
        return new PostgreSqlRefStore(_options, Durability.ProcessCrash);
    }

    // A commit cache smaller than a history page, so this instance reads commits from the database.
    private protected override IRefStore OpenSecondInstance() => new PostgreSqlRefStore(_options!, Durability.ProcessCrash, commitCacheSize: 64);

    private protected override ValueTask AddOrphanRowsAsync(long token, IReadOnlyList<byte[]> paths)
    {
        foreach (var path in paths)
        {
            PostgreSqlServer.Scalar(_options!, "INSERT INTO staged(token, path, entry) VALUES ($1, $2, $3)", token, path, new byte[] { 1 });
        }
        return ValueTask.CompletedTask;
    }

    [Test]
    public async Task A_merge_base_from_a_cold_cache_reads_pages_of_first_parent_lines_not_a_commit_per_query()
    {
        var (fork, left, right) = await TwoLinesAsync(500);
        var fresh = Second();
        var queries = 0;
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStarted = _ => Interlocked.Increment(ref queries),
        };
        ActivitySource.AddActivityListener(listener);

        var bases = await fresh.FindMergeBasesAsync([left.Id], right.Id, CancellationToken.None);

        Assert.That(bases.Select(c => c.Id), Is.EqualTo(new[] { fork.Id }));
        // 1,011 commits to read from a fresh instance: pages of 16, 32, ... 1,024 are 6 queries a line.
        Assert.That(queries, Is.InRange(1, 20), "queries sent to PostgreSQL");
    }

    protected override void DeleteStore()
    {
        if (_options is not null)
        {
            PostgreSqlServer.DropSchema(_options);
            _options = null;
        }
    }
}
