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

    protected override void DeleteStore()
    {
        if (_options is not null)
        {
            PostgreSqlServer.DropSchema(_options);
            _options = null;
        }
    }
}
