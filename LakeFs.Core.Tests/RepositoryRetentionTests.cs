using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.TestSupport;
using Microsoft.Data.Sqlite;

namespace LakeFs.Core.Tests;

/// <summary>
/// Retention rules through the facade, and what an expired commit looks like to a reader: every read of it by id,
/// prefix, ancestor expression or as a merge base or parent gives <see cref="CommitExpiredException"/>; a log passes
/// over it; no branch or tag can be pointed at it; and the mark raises the SQLite format version to 3.
/// </summary>
public sealed class RepositoryRetentionTests
{
    private TempDirectory _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempDirectory();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public async Task Rules_are_checked_at_the_door_and_read_back()
    {
        await using var repo = await TestRepositories.CreateLocalAsync(_temp.Path);
        Assert.That(await repo.GetRetentionAsync(), Is.Null);

        Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => repo.SetRetentionAsync(new RetentionRules(-1)));
        Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => repo.SetRetentionAsync(new RetentionRules(1) { BranchDays = new Dictionary<string, int> { ["dev"] = -2 } }));
        Assert.ThrowsAsync<InvalidNameException>(() => repo.SetRetentionAsync(new RetentionRules(1) { BranchDays = new Dictionary<string, int> { ["bad..name"] = 2 } }));
        Assert.That(await repo.GetRetentionAsync(), Is.Null, "a refused rule set changes nothing");

        var rules = new RetentionRules(14) { BranchDays = new Dictionary<string, int> { ["dev"] = 1 } };
        await repo.SetRetentionAsync(rules);
        Assert.That(await repo.GetRetentionAsync(), Is.EqualTo(rules));
        await repo.SetRetentionAsync(null);
        Assert.That(await repo.GetRetentionAsync(), Is.Null);
    }

    [Test]
    public async Task An_expired_commit_gives_CommitExpiredException_to_every_read_and_the_log_passes_over_it()
    {
        await using var repo = await TestRepositories.CreateLocalAsync(_temp.Path);
        await repo.PutTextAsync("main", "a.txt", "1");
        var old = await repo.CommitAsync("main", "old");
        await repo.PutTextAsync("main", "a.txt", "2");
        var middle = await repo.CommitAsync("main", "middle");
        await repo.TagAsync("keep", middle.Id);
        await repo.PutTextAsync("main", "a.txt", "3");
        var head = await repo.CommitAsync("main", "head");
        Assert.That(FormatVersion(), Is.EqualTo("1"));

        Assert.That(await repo.Refs.MarkCommitsExpiredAsync([old.Id], DateTimeOffset.UtcNow, CancellationToken.None), Is.EqualTo(new[] { old.Id }));

        Assert.That(FormatVersion(), Is.EqualTo("3"), "older libraries refuse a store with expired commits");
        var byId = Assert.ThrowsAsync<CommitExpiredException>(() => repo.GetCommitAsync(old.Id))!;
        Assert.That(byId.CommitId, Is.EqualTo(old.Id));
        Assert.That(byId.Message, Does.Contain("expired"));
        Assert.ThrowsAsync<CommitExpiredException>(() => repo.GetCommitAsync(old.Id[..10]));
        Assert.ThrowsAsync<CommitExpiredException>(() => repo.GetCommitAsync("main~2"));
        Assert.ThrowsAsync<CommitExpiredException>(() => repo.GetCommitAsync("keep^"));
        Assert.ThrowsAsync<CommitExpiredException>(() => repo.ReadTextAsync(old.Id, "a.txt"));
        Assert.ThrowsAsync<CommitExpiredException>(() => repo.ListPathsAsync("main~2"));
        Assert.ThrowsAsync<CommitExpiredException>(() => repo.BranchAsync("back", old.Id));
        Assert.ThrowsAsync<CommitExpiredException>(() => repo.TagAsync("old", old.Id));
        Assert.ThrowsAsync<CommitExpiredException>(() => repo.RevertAsync("main", middle.Id), "the parent, the revert's base, expired");
        Assert.ThrowsAsync<CommitExpiredException>(async () => await repo.LogAsync(old.Id).ToListAsync());

        Assert.That((await repo.LogAsync("main").ToListAsync()).Select(c => c.Id), Is.EqualTo(new[] { head.Id, middle.Id, (await repo.GetCommitAsync("main~3")).Id }),
            "the expired commit is passed over, the first commit behind it still shows");
        Assert.That((await repo.LogAsync("main", new LogOptions { Paths = ["a.txt"] }).ToListAsync()).Select(c => c.Id), Is.EqualTo(new[] { head.Id, middle.Id }),
            "a commit whose parent expired counts as a change");
        Assert.That(await repo.ReadTextAsync("keep", "a.txt"), Is.EqualTo("2"));
        Assert.That(await repo.ReadTextAsync("main~1", "a.txt"), Is.EqualTo("2"));
        Assert.That(await repo.ReadTextAsync(head.Id, "a.txt"), Is.EqualTo("3"));
    }

    [Test]
    public async Task A_merge_whose_base_expired_fails_with_CommitExpiredException_and_changes_nothing()
    {
        await using var repo = await TestRepositories.CreateLocalAsync(_temp.Path);
        await repo.PutTextAsync("main", "a.txt", "1");
        var fork = await repo.CommitAsync("main", "fork");
        await repo.BranchAsync("dev", "main");
        await repo.PutTextAsync("main", "b.txt", "main");
        var mainHead = await repo.CommitAsync("main", "on main");
        await repo.PutTextAsync("dev", "c.txt", "dev");
        await repo.CommitAsync("dev", "on dev");
        Assert.That(await repo.Refs.MarkCommitsExpiredAsync([fork.Id], DateTimeOffset.UtcNow, CancellationToken.None), Has.Count.EqualTo(1));

        Assert.ThrowsAsync<CommitExpiredException>(() => repo.MergeAsync("dev", "main"));
        Assert.That((await repo.GetBranchAsync("main")).Head, Is.EqualTo(mainHead.Id));
    }

    [Test]
    public async Task A_ref_store_from_before_retention_opens_and_gets_its_tables()
    {
        await (await TestRepositories.CreateLocalAsync(_temp.Path)).DisposeAsync();
        Execute("DROP TABLE retention; DROP TABLE expired_commits; DROP TABLE gc_partitions");

        await using var repo = await Repository.OpenAsync(_temp.Path);

        Assert.That(await repo.GetRetentionAsync(), Is.Null);
        await repo.SetRetentionAsync(new RetentionRules(3));
        Assert.That(await repo.GetRetentionAsync(), Is.EqualTo(new RetentionRules(3)));
        Assert.That(await repo.GetCommitAsync("main"), Is.Not.Null);
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
