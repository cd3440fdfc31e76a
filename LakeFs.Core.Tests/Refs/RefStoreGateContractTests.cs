using LakeFs.Core.Model;
using LakeFs.Core.Refs;
using LakeFs.Core.Tests.TestSupport;

namespace LakeFs.Core.Tests.Refs;

/// <summary>
/// The branch-protection part of the <see cref="IRefStore"/> contract, for every ref store: rules added and removed
/// by exact pattern, listed by pattern, and seen at once by a second store instance that has read (and may cache)
/// them before. To join RefStoreContractTests once that suite is on main.
/// </summary>
public abstract class BranchProtectionStoreContractTests
{
    private static readonly DateTimeOffset Created = new(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);

    /// <summary>A fresh, initialized store.</summary>
    private protected abstract Task<IRefStore> CreateAsync();

    /// <summary>Another instance on the same data, as another process would open it.</summary>
    private protected abstract IRefStore OpenSecond();

    private protected static Commit FirstCommit()
    {
        var metadata = new SortedDictionary<string, string>(StringComparer.Ordinal);
        return new Commit(CommitId.Compute([], "empty", "first", "tests", Created, metadata), [], "empty", "first", "tests", Created, metadata, 1);
    }

    [Test]
    public async Task Rules_are_added_once_listed_by_pattern_and_removed_by_exact_pattern()
    {
        using var store = await CreateAsync();
        Assert.That(await store.GetBranchProtectionAsync(default), Is.Empty);

        Assert.That(await store.AddBranchProtectionAsync("release-*", Created, default), Is.True);
        Assert.That(await store.AddBranchProtectionAsync("main", Created.AddMinutes(1), default), Is.True);
        Assert.That(await store.AddBranchProtectionAsync("main", Created.AddMinutes(2), default), Is.False);

        Assert.That(await store.GetBranchProtectionAsync(default), Is.EqualTo(new[]
        {
            new BranchProtectionRule("main", Created.AddMinutes(1)),
            new BranchProtectionRule("release-*", Created),
        }));
        Assert.That(await store.RemoveBranchProtectionAsync("release-1", default), Is.False);
        Assert.That(await store.RemoveBranchProtectionAsync("release-*", default), Is.True);
        Assert.That(await store.RemoveBranchProtectionAsync("release-*", default), Is.False);
        Assert.That((await store.GetBranchProtectionAsync(default)).Select(r => r.Pattern), Is.EqualTo(new[] { "main" }));
    }

    [Test]
    public async Task A_second_instance_sees_every_add_and_remove_at_once_even_after_reading_the_rules()
    {
        using var first = await CreateAsync();
        using var second = OpenSecond();
        Assert.That(await second.GetBranchProtectionAsync(default), Is.Empty);

        await first.AddBranchProtectionAsync("main", Created, default);
        Assert.That((await second.GetBranchProtectionAsync(default)).Select(r => r.Pattern), Is.EqualTo(new[] { "main" }));

        // Unrelated writes in between do not stop the reader from seeing the next rule change.
        await first.CreateBranchAsync("dev", FirstCommit().Id, default);
        Assert.That((await second.GetBranchProtectionAsync(default)).Select(r => r.Pattern), Is.EqualTo(new[] { "main" }));
        await second.RemoveBranchProtectionAsync("main", default);
        Assert.That(await first.GetBranchProtectionAsync(default), Is.Empty);
        await second.AddBranchProtectionAsync("dev", Created, default);
        Assert.That((await first.GetBranchProtectionAsync(default)).Select(r => r.Pattern), Is.EqualTo(new[] { "dev" }));
    }
}
