using LakeFs.Core.Model;
using LakeFs.Core.Refs;
using LakeFs.Core.Tests.TestSupport;

namespace LakeFs.Core.Tests.Refs;

public sealed class SqliteBranchProtectionStoreContractTests : BranchProtectionStoreContractTests
{
    private TempDirectory _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempDirectory();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    private SqliteRefStoreOptions Options => new(_temp.Combine("refs.db"));

    private protected override async Task<IRefStore> CreateAsync() =>
        await Options.CreateAsync("repo", "main", FirstCommit(), Durability.ProcessCrash, 1000, default);

    private protected override IRefStore OpenSecond() => Options.Open(Durability.ProcessCrash, 1000);
}
