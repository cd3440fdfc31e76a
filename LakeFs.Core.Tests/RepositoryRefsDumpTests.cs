using System.Security.Cryptography;
using System.Text.Json.Nodes;
using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.TestSupport;

namespace LakeFs.Core.Tests;

/// <summary>
/// Refs dump and restore: a dump written to the object store rebuilds a lost ref store, into SQLite or PostgreSQL,
/// with every commit, branch, tag and protection rule as it was.
/// </summary>
public sealed class RepositoryRefsDumpTests
{
    /// <summary>main with a merge of a feature branch, a tag, a second branch, a rule and an uncommitted change.</summary>
    private static async Task<Repository> BuildHistoryAsync(string folder)
    {
        var repo = await TestRepositories.CreateLocalAsync(folder);
        await repo.PutTextAsync("main", "a.txt", "one");
        await repo.CommitAsync("main", "first", new CommitOptions { Metadata = new Dictionary<string, string> { ["k"] = "v" } });
        await repo.BranchAsync("feature", "main");
        await repo.PutTextAsync("feature", "b.txt", "two");
        await repo.CommitAsync("feature", "on feature");
        await repo.PutTextAsync("main", "c.txt", "three");
        await repo.CommitAsync("main", "on main");
        await repo.MergeAsync("feature", "main", new MergeOptions { FastForward = FastForward.Never });
        await repo.TagAsync("v1", "main");
        await repo.BranchAsync("old", "main~2");
        await repo.ProtectBranchesAsync("release/*");
        await repo.PutTextAsync("feature", "uncommitted.txt", "staged");
        return repo;
    }

    private sealed record Refs(string DefaultBranch, List<(string Name, string Head)> Branches, List<(string Name, string Commit)> Tags, List<Commit> Commits, List<string> Rules, string Object);

    private static async Task<Refs> ReadRefsAsync(Repository repo)
    {
        var branches = (await repo.ListBranchesAsync().ToListAsync()).Select(b => (b.Name, b.Head)).ToList();
        var tags = (await repo.ListTagsAsync().ToListAsync()).Select(t => (t.Name, t.CommitId)).ToList();
        var commits = new Dictionary<string, Commit>(StringComparer.Ordinal);
        foreach (var head in branches.Select(b => b.Head).Concat(tags.Select(t => t.CommitId)))
        {
            foreach (var commit in await repo.LogAsync(head).ToListAsync())
            {
                commits.TryAdd(commit.Id, commit with { Statistics = null });
            }
        }
        var rules = (await repo.ListBranchProtectionAsync().ToListAsync()).Select(r => r.Pattern + "@" + r.Created.UtcTicks).ToList();
        return new Refs(repo.DefaultBranch, branches, tags, [.. commits.Values.OrderBy(c => c.Id, StringComparer.Ordinal)], rules,
            await repo.ReadTextAsync("main", "b.txt"));
    }

    private static void AssertSame(Refs actual, Refs expected)
    {
        Assert.That(actual.DefaultBranch, Is.EqualTo(expected.DefaultBranch));
        Assert.That(actual.Branches, Is.EqualTo(expected.Branches), "every branch points where it did");
        Assert.That(actual.Tags, Is.EqualTo(expected.Tags), "every tag points where it did");
        Assert.That(actual.Rules, Is.EqualTo(expected.Rules));
        Assert.That(actual.Commits.Select(c => c.Id), Is.EqualTo(expected.Commits.Select(c => c.Id)));
        for (var i = 0; i < expected.Commits.Count; i++)
        {
            var (a, e) = (actual.Commits[i], expected.Commits[i]);
            Assert.That(a.Parents, Is.EqualTo(e.Parents));
            Assert.That((a.MetaRangeId, a.Message, a.Committer, a.CreationDate.UtcTicks, a.Generation),
                Is.EqualTo((e.MetaRangeId, e.Message, e.Committer, e.CreationDate.UtcTicks, e.Generation)));
            Assert.That(a.Metadata, Is.EquivalentTo(e.Metadata));
        }
        Assert.That(actual.Object, Is.EqualTo(expected.Object));
    }

    private static void DeleteRefsDb(string folder)
    {
        foreach (var suffix in (string[])["", "-wal", "-shm", "-changes"])
        {
            File.Delete(Path.Combine(folder, "refs.db" + suffix));
        }
    }

    /// <summary>Builds the history, dumps its refs and deletes refs.db: the ref store is lost.</summary>
    private static async Task<(Refs Before, string DumpId)> DumpAndLoseRefsAsync(string folder)
    {
        Refs before;
        string dumpId;
        await using (var repo = await BuildHistoryAsync(folder))
        {
            before = await ReadRefsAsync(repo);
            dumpId = await repo.DumpRefsAsync();
        }
        DeleteRefsDb(folder);
        return (before, dumpId);
    }

    [TestCase(RefStoreKind.Sqlite)]
    [TestCase(RefStoreKind.PostgreSql)]
    public async Task A_dump_restores_every_commit_branch_tag_and_rule_after_the_ref_store_is_lost(RefStoreKind kind)
    {
        using var temp = new TempDirectory();
        using var target = new TestRefStore(kind);
        var (before, dumpId) = await DumpAndLoseRefsAsync(temp.Path);

        var lost = Assert.ThrowsAsync<RepositoryNotFoundException>(() => Repository.OpenAsync(temp.Path));
        Assert.That(lost!.Message, Does.Contain("RestoreRefsAsync").And.Contain("refs-dumps"), "the open points at restore");

        var options = target.Local(temp.Path);
        await Repository.RestoreRefsAsync(options, dumpId);

        await using var restored = await Repository.OpenAsync(options);
        AssertSame(await ReadRefsAsync(restored), before);
        Assert.That(await restored.ListPathsAsync("feature"), Does.Not.Contain("uncommitted.txt"), "uncommitted changes are not in a dump");
        Assert.That((await restored.VerifyAsync()).Problems, Is.Empty);
        // The restored repository works on: a commit on the restored main.
        await restored.PutTextAsync("main", "after.txt", "x");
        var next = await restored.CommitAsync("main", "after the restore");
        Assert.That(next.Parents, Is.EqualTo(new[] { before.Branches.Single(b => b.Name == "main").Head }));
    }

    [Test]
    public async Task A_restore_into_a_ref_store_that_holds_a_repository_is_refused_and_changes_nothing()
    {
        using var temp = new TempDirectory();
        await using var repo = await BuildHistoryAsync(temp.Path);
        var dumpId = await repo.DumpRefsAsync();
        var before = await ReadRefsAsync(repo);

        Assert.ThrowsAsync<RepositoryAlreadyExistsException>(() => Repository.RestoreRefsAsync(Repository.LocalOptions(temp.Path), dumpId));

        AssertSame(await ReadRefsAsync(repo), before);
    }

    [Test]
    public async Task A_damaged_or_missing_dump_is_refused_before_the_ref_store_is_created()
    {
        using var temp = new TempDirectory();
        string dumpId;
        await using (var repo = await BuildHistoryAsync(temp.Path))
        {
            dumpId = await repo.DumpRefsAsync();
        }
        DeleteRefsDb(temp.Path);
        var commitsFile = Path.Combine(temp.Path, "objects", "_lakefs", "refs-dumps", dumpId, "commits.jsonl");
        Assert.That(File.Exists(commitsFile), Is.True, "the dump is a folder of files in the object store");
        var text = await File.ReadAllTextAsync(commitsFile);
        await File.WriteAllTextAsync(commitsFile, text.Replace("on feature", "on feature!", StringComparison.Ordinal));

        Assert.ThrowsAsync<CorruptDataException>(() => Repository.RestoreRefsAsync(Repository.LocalOptions(temp.Path), dumpId));
        Assert.ThrowsAsync<RepositoryNotFoundException>(() => Repository.RestoreRefsAsync(Repository.LocalOptions(temp.Path), "20260101T000000Z-000000000000"));
        Assert.That(File.Exists(Path.Combine(temp.Path, "refs.db")), Is.False, "nothing was created");
    }

    [TestCase(RefStoreKind.Sqlite)]
    [TestCase(RefStoreKind.PostgreSql)]
    public async Task A_restore_that_fails_part_way_leaves_the_ref_store_empty_and_restorable(RefStoreKind kind)
    {
        using var temp = new TempDirectory();
        using var target = new TestRefStore(kind);
        var (before, dumpId) = await DumpAndLoseRefsAsync(temp.Path);
        // A dump whose checksums hold but whose refs do not fit together: tag v1 twice. The restore has written the
        // commits, the branches and the first v1 when the second fails.
        var folder = Path.Combine(temp.Path, "objects", "_lakefs", "refs-dumps", dumpId);
        var tagsFile = Path.Combine(folder, "tags.jsonl");
        var manifestFile = Path.Combine(folder, "manifest.json");
        var goodTags = await File.ReadAllBytesAsync(tagsFile);
        var goodManifest = await File.ReadAllBytesAsync(manifestFile);
        var badTags = goodTags.Concat(goodTags).ToArray();
        var manifest = JsonNode.Parse(goodManifest)!;
        manifest["files"]!["tags.jsonl"]!["sha256"] = Convert.ToHexStringLower(SHA256.HashData(badTags));
        manifest["files"]!["tags.jsonl"]!["bytes"] = badTags.Length;
        File.Delete(tagsFile);
        File.Delete(manifestFile);
        await File.WriteAllBytesAsync(tagsFile, badTags);
        await File.WriteAllTextAsync(manifestFile, manifest.ToJsonString());
        var options = target.Local(temp.Path);

        Assert.CatchAsync(() => Repository.RestoreRefsAsync(options, dumpId));

        Assert.ThrowsAsync<RepositoryNotFoundException>(() => Repository.OpenAsync(options), "the ref store holds no repository");
        if (kind == RefStoreKind.Sqlite)
        {
            Assert.That(File.Exists(Path.Combine(temp.Path, "refs.db")), Is.False, "the restore removed the file it wrote");
        }
        File.Delete(tagsFile);
        File.Delete(manifestFile);
        await File.WriteAllBytesAsync(tagsFile, goodTags);
        await File.WriteAllBytesAsync(manifestFile, goodManifest);
        await Repository.RestoreRefsAsync(options, dumpId);
        await using var restored = await Repository.OpenAsync(options);
        AssertSame(await ReadRefsAsync(restored), before);
        Assert.That((await restored.VerifyAsync()).Problems, Is.Empty);
    }
}
