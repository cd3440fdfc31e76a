using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.TestSupport;
using Microsoft.Data.Sqlite;

namespace LakeFs.Core.Tests;

/// <summary>
/// Branch protection: every direct change of a protected branch fails with the rule's name and changes nothing,
/// merges still reach it, and adding or removing a rule takes effect at once in another repository instance and in
/// another process.
/// </summary>
public sealed class RepositoryProtectionTests
{
    private TempDirectory _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempDirectory();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    public sealed record Blocked(string Name, bool Staged, Func<Repository, Fixture, Task> Run)
    {
        public override string ToString() => Name;
    }

    /// <summary>release-1: a.txt, then b.txt (<see cref="AddB"/>); feature: f.txt (<see cref="Feature"/>).</summary>
    public sealed record Fixture(string AddB, string Feature);

    public static IEnumerable<Blocked> BlockedActions() =>
    [
        new("put", false, (repo, _) => repo.PutTextAsync("release-1", "new.txt", "x")),
        new("put if none match", false, (repo, _) => repo.PutTextAsync("release-1", "new.txt", "x", new PutObjectOptions { IfNoneMatch = true })),
        new("link", false, async (repo, _) =>
        {
            var address = repo.CreatePhysicalAddress();
            using (var bytes = new MemoryStream([1, 2, 3]))
            {
                await repo.ObjectStore.PutAsync(address, bytes);
            }
            await repo.LinkObjectAsync("release-1", "linked.bin", address, 3, "abc");
        }),
        new("upload directory", false, async (repo, _) =>
        {
            using var folder = new TempDirectory();
            await File.WriteAllTextAsync(folder.Combine("u.txt"), "u");
            await repo.UploadDirectoryAsync("release-1", folder.Path);
        }),
        new("delete object", false, (repo, _) => repo.DeleteObjectAsync("release-1", "a.txt")),
        new("reset object", true, (repo, _) => repo.ResetObjectAsync("release-1", "s.txt")),
        new("reset prefix", true, (repo, _) => repo.ResetPrefixAsync("release-1", "s")),
        new("reset", true, (repo, _) => repo.ResetAsync("release-1")),
        new("commit", true, (repo, _) => repo.CommitAsync("release-1", "direct")),
        new("revert", false, (repo, f) => repo.RevertAsync("release-1", f.AddB)),
        new("cherry-pick", false, (repo, f) => repo.CherryPickAsync("release-1", f.Feature)),
        new("delete branch", false, (repo, _) => repo.DeleteBranchAsync("release-1")),
    ];

    private async Task<(Repository Repo, Fixture Fixture)> CreateAsync(bool staged)
    {
        var repo = await TestRepositories.CreateLocalAsync(_temp.Path);
        await repo.BranchAsync("release-1", "main");
        await repo.PutTextAsync("release-1", "a.txt", "a");
        await repo.CommitAsync("release-1", "add a");
        await repo.BranchAsync("feature", "release-1");
        await repo.PutTextAsync("release-1", "b.txt", "b");
        var addB = await repo.CommitAsync("release-1", "add b");
        await repo.PutTextAsync("feature", "f.txt", "f");
        var feature = await repo.CommitAsync("feature", "add f");
        if (staged)
        {
            await repo.PutTextAsync("release-1", "s.txt", "s");
        }
        return (repo, new Fixture(addB.Id, feature.Id));
    }

    private static async Task<string> StateAsync(Repository repo)
    {
        var state = await repo.SnapshotAsync();
        foreach (var branch in await repo.ListBranchesAsync().ToListAsync())
        {
            state += $"{branch.Name} uncommitted: {string.Join(", ", (await repo.DiffUncommittedAsync(branch.Name).ToListAsync()).Select(c => c.Path))}\n";
        }
        return state;
    }

    [TestCaseSource(nameof(BlockedActions))]
    public async Task A_direct_change_of_a_protected_branch_fails_naming_the_rule_and_changes_nothing(Blocked action)
    {
        var (repo, fixture) = await CreateAsync(action.Staged);
        await using var _ = repo;
        Assert.That(await repo.ProtectBranchesAsync("release-*"), Is.True);
        var before = await StateAsync(repo);

        var error = Assert.ThrowsAsync<ProtectedBranchException>(() => action.Run(repo, fixture));

        Assert.That(error!.Rule, Is.EqualTo("release-*"));
        Assert.That(error.Message, Does.Contain("'release-1'").And.Contain("'release-*'").And.Contain("merge"));
        Assert.That(await StateAsync(repo), Is.EqualTo(before));

        // Removing the rule unblocks the same call at once.
        Assert.That(await repo.UnprotectBranchesAsync("release-*"), Is.True);
        await action.Run(repo, fixture);
        Assert.That(await StateAsync(repo), Is.Not.EqualTo(before));
    }

    [Test]
    public async Task A_merge_into_a_protected_branch_goes_through_three_way_and_fast_forward()
    {
        var (repo, _) = await CreateAsync(staged: false);
        await using var __ = repo;
        await repo.ProtectBranchesAsync("release-1");

        var merged = await repo.MergeAsync("feature", "release-1");
        Assert.That(await repo.ReadTextAsync("release-1", "f.txt"), Is.EqualTo("f"));

        await repo.BranchAsync("next", "release-1");
        await repo.PutTextAsync("next", "n.txt", "n");
        await repo.CommitAsync("next", "add n");
        var forwarded = await repo.MergeAsync("next", "release-1");
        Assert.That(forwarded.FastForwarded, Is.True);
        Assert.That(merged.Commit, Is.Not.Null);
        Assert.That(await repo.ListPathsAsync("release-1"), Is.EqualTo(new[] { "a.txt", "b.txt", "f.txt", "n.txt" }));
    }

    [Test]
    public async Task Branches_the_pattern_does_not_match_stay_writable_and_rules_are_listed_by_pattern()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));
        await using var repo = await TestRepositories.CreateLocalAsync(_temp.Path, time);
        await repo.BranchAsync("release", "main");
        await repo.BranchAsync("team/a/release-2", "main");
        Assert.That(await repo.ProtectBranchesAsync("release-*"), Is.True);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.That(await repo.ProtectBranchesAsync("main"), Is.True);
        Assert.That(await repo.ProtectBranchesAsync("main"), Is.False, "adding a rule twice changes nothing");

        await repo.PutTextAsync("release", "x", "x");
        await repo.PutTextAsync("team/a/release-2", "x", "x");
        Assert.ThrowsAsync<ProtectedBranchException>(() => repo.PutTextAsync("main", "x", "x"));

        Assert.That(await repo.ListBranchProtectionAsync().ToListAsync(), Is.EqualTo(new[]
        {
            new BranchProtectionRule { Pattern = "main", Created = time.GetUtcNow() },
            new BranchProtectionRule { Pattern = "release-*", Created = time.GetUtcNow() - TimeSpan.FromMinutes(1) },
        }));
        Assert.That(await repo.UnprotectBranchesAsync("release-1"), Is.False, "only the exact pattern removes a rule");
        Assert.Throws<InvalidNameException>(() => repo.ProtectBranchesAsync("main branch").GetAwaiter().GetResult());
    }

    [Test]
    public async Task A_rule_takes_effect_at_once_in_another_repository_instance_that_cached_the_rules()
    {
        await using var first = await TestRepositories.CreateLocalAsync(_temp.Path);
        await using var second = await Repository.OpenAsync(Repository.LocalOptions(_temp.Path) with { Tree = TestRepositories.SmallTree });
        await second.PutTextAsync("main", "warm.txt", "the second instance has read the (empty) rules");

        await first.ProtectBranchesAsync("main");
        var error = Assert.ThrowsAsync<ProtectedBranchException>(() => second.PutTextAsync("main", "x.txt", "x"));
        Assert.That(error!.Rule, Is.EqualTo("main"));
        Assert.ThrowsAsync<ProtectedBranchException>(() => second.CommitAsync("main", "direct"));

        await first.UnprotectBranchesAsync("main");
        await second.PutTextAsync("main", "x.txt", "x");
        await second.CommitAsync("main", "direct again");
    }

    [TestCase(RefStoreKind.Sqlite)]
    [TestCase(RefStoreKind.PostgreSql)]
    public async Task A_put_refused_inside_the_write_leaves_no_bytes_and_a_removed_rule_stops_refusing(RefStoreKind kind)
    {
        using var refs = new TestRefStore(kind);
        var objects = _temp.Combine("objects");
        await using var first = await Repository.CreateAsync(refs.Local(objects));
        await using var second = await Repository.OpenAsync(refs.Local(objects));
        await second.PutTextAsync("main", "warm.txt", "written before any rule");
        var files = DataFiles(objects);

        // The second instance knows of no rule, so only the write itself can refuse: it must, and delete the bytes.
        await first.ProtectBranchesAsync("ma?n");
        var error = Assert.ThrowsAsync<ProtectedBranchException>(() => second.PutTextAsync("main", "x.txt", "x"));
        Assert.That(error!.Rule, Is.EqualTo("ma?n"));
        Assert.That(error.Message, Does.Contain("put 'x.txt' on branch 'main'"));
        Assert.ThrowsAsync<ProtectedBranchException>(() => second.DeleteObjectAsync("main", "warm.txt"));
        Assert.That(DataFiles(objects), Is.EqualTo(files), "no bytes of the refused put remain");

        // Now it knows the rule; once another instance removes it, the rule it remembers must not refuse anything.
        await first.UnprotectBranchesAsync("ma?n");
        await second.PutTextAsync("main", "x.txt", "x");
        await second.DeleteObjectAsync("main", "warm.txt");
        Assert.That(await second.ReadTextAsync("main", "x.txt"), Is.EqualTo("x"));
    }

    private static string[] DataFiles(string folder) =>
        [.. Directory.EnumerateFiles(Path.Combine(folder, Repository.LocalObjectsFolderName, "data"), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];

    [Test]
    public async Task A_rule_takes_effect_at_once_in_another_process_and_one_added_there_here()
    {
        await using var repo = await TestRepositories.CreateLocalAsync(_temp.Path);
        await repo.PutTextAsync("main", "warm.txt", "this process has read the (empty) rules");

        await ProbeProcess.RunAsync(_temp.Path, "protect", "main");
        var error = Assert.ThrowsAsync<ProtectedBranchException>(() => repo.PutTextAsync("main", "x.txt", "x"));
        Assert.That(error!.Rule, Is.EqualTo("main"));

        var output = await ProbeProcess.RunAsync(_temp.Path, "try", "put", "main", "y.txt", "y", "--", "try", "commit", "main", "direct", "--", "unprotect", "main");
        Assert.That(output.Split('\n', StringSplitOptions.RemoveEmptyEntries),
            Is.EqualTo(new[] { "error ProtectedBranchException main", "error ProtectedBranchException main" }));

        await repo.PutTextAsync("main", "x.txt", "x");
        await repo.ProtectBranchesAsync("ma?n");
        output = await ProbeProcess.RunAsync(_temp.Path, "try", "put", "main", "z.txt", "z");
        Assert.That(output.Trim(), Is.EqualTo("error ProtectedBranchException ma?n"));
    }

    [Test]
    public async Task The_first_rule_raises_the_format_version_so_older_libraries_refuse_the_store()
    {
        await using (var repo = await TestRepositories.CreateLocalAsync(_temp.Path))
        {
            Assert.That(FormatVersion(), Is.EqualTo("1"), "a store without rules opens in versions from before protection");
            await repo.ProtectBranchesAsync("main");
            Assert.That(FormatVersion(), Is.EqualTo("2"));
            await repo.UnprotectBranchesAsync("main");
        }
        await using (var reopened = await Repository.OpenAsync(_temp.Path))
        {
            Assert.That(await reopened.ListBranchProtectionAsync().ToListAsync(), Is.Empty);
        }
    }

    [Test]
    public async Task A_ref_store_from_before_protection_and_audit_opens_and_gets_their_tables()
    {
        await (await TestRepositories.CreateLocalAsync(_temp.Path)).DisposeAsync();
        Execute("DROP TABLE branch_protection; DROP TABLE audit_log");

        await using var repo = await Repository.OpenAsync(_temp.Path);

        Assert.That(await repo.ListBranchProtectionAsync().ToListAsync(), Is.Empty);
        Assert.That(await repo.GetAuditLogAsync().ToListAsync(), Is.Empty);
        await repo.ProtectBranchesAsync("main");
        Assert.ThrowsAsync<ProtectedBranchException>(() => repo.PutTextAsync("main", "x", "x"));
    }

    private string FormatVersion()
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM settings WHERE key = 'format_version'";
        return (string)command.ExecuteScalar()!;
    }

    private void Execute(string sql)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _temp.Combine(Repository.LocalRefStoreFileName), Pooling = false }.ToString());
        connection.Open();
        return connection;
    }
}
