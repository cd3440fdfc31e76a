using LakeFs.Core.Model;
using LakeFs.Core.Refs;
using LakeFs.Core.Tests.TestSupport;

namespace LakeFs.Core.Tests.Refs;

/// <summary>The ref-store contract run against <see cref="SqliteRefStore"/>, each test on a file in a fresh temp folder.</summary>
[TestFixture]
public sealed class SqliteRefStoreContractTests : RefStoreContractTests
{
    // Disposed by DeleteStore, which the base fixture's [TearDown] calls once every store instance is disposed.
#pragma warning disable NUnit1032
    private TempDirectory? _temp;
#pragma warning restore NUnit1032

    private string StorePath => _temp!.Combine("refs.db");

    // SqliteRefStore's page sizes (ListPageSize, StagedPageSize, MaxHistoryPage there).
    protected override int ListPageSize => 1000;

    protected override int StagedPageSize => 2048;

    protected override int HistoryPageSize => 1024;

    private protected override IRefStore CreateStore()
    {
        _temp = new TempDirectory();
        return new SqliteRefStore(StorePath, Durability.ProcessCrash);
    }

    // A commit cache smaller than a history page, so this instance reads commits from the file.
    private protected override IRefStore OpenSecondInstance() => new SqliteRefStore(StorePath, Durability.ProcessCrash, commitCacheSize: 64);

    private protected override ValueTask AddOrphanRowsAsync(long token, IReadOnlyList<byte[]> paths)
    {
        using var s = ((SqliteRefStore)Store).Open();
        s.Write(tx =>
        {
            foreach (var path in paths)
            {
                tx.Execute("INSERT INTO staged(token, path, entry) VALUES ($1, $2, $3)", token, path, new byte[] { 1 });
            }
            return 0;
        });
        return ValueTask.CompletedTask;
    }

    protected override void DeleteStore()
    {
        _temp?.Dispose();
        _temp = null;
    }
}
