using System.Text;
using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.TestSupport;

namespace LakeFs.Core.Tests;

/// <summary>The merge semantics table (lakeFS's graveler is the reference), case by case, under each strategy.</summary>
public class RepositoryMergeTests
{
    // Per path: base content, source content, destination content (null = absent), then the expected result
    // under source-wins and destination-wins, and whether it is a conflict.
    private static readonly (string Path, string? Base, string? Source, string? Dest, bool Conflict)[] Table =
    [
        ("added-by-source", null, "s", null, false),
        ("added-by-dest", null, null, "d", false),
        ("added-both-same", null, "x", "x", false),
        ("added-both-different", null, "s", "d", true),
        ("removed-by-source", "b", null, "b", false),
        ("removed-by-dest", "b", "b", null, false),
        ("removed-both", "b", null, null, false),
        ("changed-by-source", "b", "s", "b", false),
        ("changed-by-dest", "b", "b", "d", false),
        ("changed-both-same", "b", "x", "x", false),
        ("changed-both-different", "b", "s", "d", true),
        ("removed-by-source-changed-by-dest", "b", null, "d", true),
        ("changed-by-source-removed-by-dest", "b", "s", null, true),
        ("untouched", "b", "b", "b", false),
    ];

    private static async Task<(TempDirectory Dir, Repository Repo)> SetUpAsync()
    {
        var dir = new TempDirectory();
        var repo = await Repository.CreateAsync(dir.Path);
        foreach (var row in Table.Where(r => r.Base is not null))
        {
            await PutAsync(repo, "main", row.Path, row.Base!);
        }
        await repo.CommitAsync("main", "base");
        await repo.BranchAsync("feature", "main");
        foreach (var (branch, pick) in new[] { ("feature", (Func<(string, string?, string?, string?, bool), string?>)(r => r.Item3)), ("main", r => r.Item4) })
        {
            foreach (var row in Table)
            {
                var want = pick(row);
                if (want == row.Base)
                {
                    continue;
                }
                if (want is null)
                {
                    await repo.DeleteObjectAsync(branch, row.Path);
                }
                else
                {
                    await PutAsync(repo, branch, row.Path, want);
                }
            }
            await repo.CommitAsync(branch, "change " + branch);
        }
        return (dir, repo);
    }

    private static async Task PutAsync(Repository repo, string branch, string path, string text) =>
        await repo.PutObjectAsync(branch, path, new MemoryStream(Encoding.UTF8.GetBytes(text)));

    private static async Task<Dictionary<string, string>> ContentAsync(Repository repo, string @ref)
    {
        var result = new Dictionary<string, string>();
        await foreach (var item in repo.ListObjectsAsync(@ref))
        {
            using var reader = new StreamReader(await repo.OpenReadAsync(@ref, item.Path));
            result[item.Path] = await reader.ReadToEndAsync();
        }
        return result;
    }

    [Test]
    public async Task Default_strategy_reports_every_conflict_with_all_sides_and_changes_nothing()
    {
        var (dir, repo) = await SetUpAsync();
        using (dir)
        await using (repo)
        {
            var before = await repo.GetBranchAsync("main");

            var error = Assert.ThrowsAsync<MergeConflictException>(() => repo.MergeAsync("feature", "main"));

            var expected = Table.Where(r => r.Conflict).Select(r => r.Path).Order(StringComparer.Ordinal);
            Assert.That(error!.Conflicts.Select(c => c.Path), Is.EqualTo(expected));
            var both = error.Conflicts.Single(c => c.Path == "changed-both-different");
            Assert.That(both.Base, Is.Not.Null);
            Assert.That(both.Source!.Size, Is.EqualTo(1));
            Assert.That(both.Destination, Is.Not.Null);
            Assert.That(error.Conflicts.Single(c => c.Path == "removed-by-source-changed-by-dest").Source, Is.Null);
            Assert.That((await repo.GetBranchAsync("main")).Head, Is.EqualTo(before.Head));
        }
    }

    [TestCase(MergeStrategy.SourceWins)]
    [TestCase(MergeStrategy.DestinationWins)]
    public async Task Strategies_resolve_conflicts_and_apply_the_table(MergeStrategy strategy)
    {
        var (dir, repo) = await SetUpAsync();
        using (dir)
        await using (repo)
        {
            var mainHead = (await repo.GetBranchAsync("main")).Head;
            var featureHead = (await repo.GetBranchAsync("feature")).Head;

            var result = await repo.MergeAsync("feature", "main", new MergeOptions { Strategy = strategy });

            Assert.That(result.FastForwarded, Is.False);
            Assert.That(result.Commit!.Parents, Is.EqualTo(new[] { mainHead, featureHead }));
            Assert.That(result.ConflictsResolved, Is.EqualTo(Table.Count(r => r.Conflict)));
            var content = await ContentAsync(repo, "main");
            foreach (var row in Table)
            {
                var expected = row.Conflict
                    ? (strategy == MergeStrategy.SourceWins ? row.Source : row.Dest)
                    : (row.Source != row.Base ? row.Source : row.Dest);
                Assert.That(content.GetValueOrDefault(row.Path), Is.EqualTo(expected), row.Path);
            }
        }
    }

    [Test]
    public async Task A_resolver_picks_per_path_including_a_custom_object()
    {
        var (dir, repo) = await SetUpAsync();
        using (dir)
        await using (repo)
        {
            var custom = await repo.PutObjectAsync("feature", "scratch", new MemoryStream("custom"u8.ToArray()));
            await repo.ResetAsync("feature");
            var seen = new List<string>();

            await repo.MergeAsync("feature", "main", new MergeOptions
            {
                Resolver = c =>
                {
                    seen.Add(c.Path);
                    return c.Path switch
                    {
                        "added-both-different" => ConflictResolution.UseSource,
                        "changed-both-different" => ConflictResolution.Use(custom),
                        "changed-by-source-removed-by-dest" => ConflictResolution.Use(null),
                        _ => ConflictResolution.UseDestination,
                    };
                },
            });

            Assert.That(seen, Is.EqualTo(Table.Where(r => r.Conflict).Select(r => r.Path).Order(StringComparer.Ordinal)));
            var content = await ContentAsync(repo, "main");
            Assert.That(content["added-both-different"], Is.EqualTo("s"));
            Assert.That(content["changed-both-different"], Is.EqualTo("custom"));
            Assert.That(content.ContainsKey("changed-by-source-removed-by-dest"), Is.False);
            Assert.That(content["removed-by-source-changed-by-dest"], Is.EqualTo("d"));
        }
    }

    [Test]
    public async Task Fast_forward_policies()
    {
        using var dir = new TempDirectory();
        await using var repo = await Repository.CreateAsync(dir.Path);
        await repo.BranchAsync("a", "main");
        await PutAsync(repo, "a", "x", "1");
        var aHead = await repo.CommitAsync("a", "x");

        Assert.ThrowsAsync<NoChangesException>(() => repo.MergeAsync("main", "a"), "main is contained in a");

        await repo.BranchAsync("b", "main");
        var noFf = await repo.MergeAsync("a", "b", new MergeOptions { FastForward = FastForward.Never });
        Assert.That(noFf.FastForwarded, Is.False);
        Assert.That(noFf.Commit!.Parents, Has.Count.EqualTo(2));

        var ff = await repo.MergeAsync("a", "main");
        Assert.That(ff.FastForwarded, Is.True);
        Assert.That(ff.Commit, Is.Null);
        Assert.That(ff.Head, Is.EqualTo(aHead.Id));
        Assert.That(ff.Changes, Is.EqualTo(1));

        await PutAsync(repo, "main", "y", "2");
        await repo.CommitAsync("main", "y");
        await PutAsync(repo, "a", "z", "3");
        await repo.CommitAsync("a", "z");
        var head = (await repo.GetBranchAsync("main")).Head;
        Assert.ThrowsAsync<ConflictException>(() => repo.MergeAsync("a", "main", new MergeOptions { FastForward = FastForward.Only }));
        Assert.That((await repo.GetBranchAsync("main")).Head, Is.EqualTo(head));
    }

    [Test]
    public async Task Squash_has_one_parent_and_merging_twice_is_a_no_op()
    {
        using var dir = new TempDirectory();
        await using var repo = await Repository.CreateAsync(dir.Path);
        await repo.BranchAsync("f", "main");
        await PutAsync(repo, "main", "m", "1");
        await repo.CommitAsync("main", "m");
        await PutAsync(repo, "f", "f", "2");
        await repo.CommitAsync("f", "f");

        var squash = await repo.MergeAsync("f", "main", new MergeOptions { Squash = true, Message = "squashed", Metadata = new Dictionary<string, string> { ["k"] = "v" } });
        Assert.That(squash.Commit!.Parents, Has.Count.EqualTo(1));
        Assert.That(squash.Commit.Message, Is.EqualTo("squashed"));
        Assert.That(squash.Commit.Metadata["k"], Is.EqualTo("v"));

        await repo.BranchAsync("g", "main~1");
        await PutAsync(repo, "g", "g", "3");
        await repo.CommitAsync("g", "g");
        var merged = await repo.MergeAsync("g", "main");
        Assert.That(merged.Changes, Is.EqualTo(1));
        Assert.ThrowsAsync<NoChangesException>(() => repo.MergeAsync("g", "main"));
    }

    [Test]
    public async Task Dirty_destination_and_merging_into_itself_are_refused_without_change()
    {
        using var dir = new TempDirectory();
        await using var repo = await Repository.CreateAsync(dir.Path);
        await repo.BranchAsync("f", "main");
        await PutAsync(repo, "f", "a", "1");
        await repo.CommitAsync("f", "a");
        await PutAsync(repo, "main", "wip", "uncommitted");
        var head = (await repo.GetBranchAsync("main")).Head;

        var dirty = Assert.ThrowsAsync<DirtyBranchException>(() => repo.MergeAsync("f", "main"));
        Assert.That(dirty!.Message, Does.Contain("'wip'"));
        Assert.Throws<ArgumentException>(() => repo.MergeAsync("main", "main").GetAwaiter().GetResult());
        Assert.ThrowsAsync<RefNotFoundException>(() => repo.MergeAsync("nope", "main"));
        Assert.ThrowsAsync<BranchNotFoundException>(() => repo.MergeAsync("f", "nope"));
        Assert.That((await repo.GetBranchAsync("main")).Head, Is.EqualTo(head));
        Assert.That((await repo.StatObjectAsync("main", "wip")).Size, Is.EqualTo(11));
    }

    [Test]
    public async Task Merge_base_of_a_criss_cross_history_is_deterministic()
    {
        using var dir = new TempDirectory();
        await using var repo = await Repository.CreateAsync(dir.Path);
        await repo.BranchAsync("a", "main");
        await repo.BranchAsync("b", "main");
        await PutAsync(repo, "a", "a1", "1");
        await repo.CommitAsync("a", "a1");
        await PutAsync(repo, "b", "b1", "1");
        await repo.CommitAsync("b", "b1");
        // Criss-cross: each side merges the other's first commit.
        await repo.BranchAsync("a-tip", "a");
        await repo.BranchAsync("b-tip", "b");
        await repo.MergeAsync("b-tip", "a", new MergeOptions { FastForward = FastForward.Never });
        await repo.MergeAsync("a-tip", "b", new MergeOptions { FastForward = FastForward.Never });

        var first = await repo.FindMergeBaseAsync("a", "b");
        var second = await repo.FindMergeBaseAsync("b", "a");

        var candidates = new[] { (await repo.GetBranchAsync("a-tip")).Head, (await repo.GetBranchAsync("b-tip")).Head };
        Assert.That(candidates, Does.Contain(first!.Id));
        Assert.That(second!.Id, Is.EqualTo(first.Id));
    }
}
