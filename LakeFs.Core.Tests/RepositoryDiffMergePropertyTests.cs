using FsCheck;
using FsCheck.Fluent;
using LakeFs.Core.Errors;
using LakeFs.Core.Trees;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.TestSupport;
using ChangeSet = (int Path, int Content)[];
using Snapshot = System.Collections.Generic.SortedDictionary<string, string>;

namespace LakeFs.Core.Tests;

/// <summary>
/// Properties of diff, merge, revert, cherry-pick and reset on small random repositories (small ranges, so trees
/// have several), checked against a model of each commit's content; and bad input for those operations.
/// </summary>
public class RepositoryDiffMergePropertyTests
{
    private static readonly string[] Paths = [.. Enumerable.Range(0, 4).SelectMany(d => Enumerable.Range(0, 10).Select(f => $"d{d}/f{f}"))];
    private static readonly string[] Contents = ["a", "b", "c"];

    // A change: a path and a content, or -1 for a delete (skipped when the path is absent).
    private static readonly Gen<ChangeSet> Changes =
        Gen.ArrayOf(Gen.Zip(Gen.Choose(0, Paths.Length - 1), Gen.Choose(-1, Contents.Length - 1), (p, c) => (p, c))).Resize(8);

    private static readonly Gen<ChangeSet> Initial =
        Gen.ArrayOf(Gen.Zip(Gen.Choose(0, Paths.Length - 1), Gen.Choose(0, Contents.Length - 1), (p, c) => (p, c))).Resize(40);

    // ------------------------------------------------------------------ properties

    [FsCheck.NUnit.Property(MaxTest = 8)]
    public Property Diff_applied_to_the_left_side_gives_the_right_side() =>
        Prop.ForAll((from i in Initial from a in Changes from b in Changes select (i, a, b)).ToArbitrary(), input => Run(async () =>
        {
            using var dir = new TempDirectory();
            await using var repo = await CreateAsync(dir);
            var m0 = await CommitAsync(repo, "main", [], input.i, "initial");
            await repo.BranchAsync("a", "main");
            await repo.BranchAsync("b", "main");
            var ma = await CommitAsync(repo, "a", m0, input.a, "a");
            var mb = await CommitAsync(repo, "b", m0, input.b, "b");

            var changes = await CollectAsync(repo.DiffAsync("a", "b"));

            Assert.That(changes.Select(c => (c.Path, c.Kind)), Is.EqualTo(SnapshotDiff(ma, mb)));
            foreach (var change in changes)
            {
                Assert.That(change.Left?.Checksum, Is.EqualTo(ma.ContainsKey(change.Path) ? (await repo.StatObjectAsync("a", change.Path)).Checksum : null));
                Assert.That(change.Right?.Checksum, Is.EqualTo(mb.ContainsKey(change.Path) ? (await repo.StatObjectAsync("b", change.Path)).Checksum : null));
            }
            Assert.That(await CollectAsync(repo.DiffAsync("a", "a")), Is.Empty);

            await repo.BranchAsync("applied", "a");
            foreach (var change in changes)
            {
                if (change.Kind == ChangeKind.Removed)
                {
                    await repo.DeleteObjectAsync("applied", change.Path);
                }
                else
                {
                    await using var content = await repo.OpenReadAsync("b", change.Path);
                    await repo.PutObjectAsync("applied", change.Path, content);
                }
            }
            await repo.CommitAsync("applied", "apply the diff", new CommitOptions { AllowEmpty = true });
            Assert.That(await repo.ReadBytesAsync("applied"), Is.EqualTo(await repo.ReadBytesAsync("b")));
            Assert.That(await CollectAsync(repo.DiffAsync("applied", "b")), Is.Empty);
        }));

    [FsCheck.NUnit.Property(MaxTest = 8)]
    public Property Revert_restores_the_parents_view_of_the_paths_the_commit_touched() =>
        Prop.ForAll((from i in Initial from c in Changes.Four() from k in Gen.Choose(1, 4) select (i, c, k)).ToArbitrary(), input => Run(async () =>
        {
            using var dir = new TempDirectory();
            await using var repo = await CreateAsync(dir);
            var models = new List<Snapshot> { await CommitAsync(repo, "main", [], input.i, "initial") };
            var commits = new List<string> { (await repo.GetBranchAsync("main")).Head };
            foreach (var (set, n) in new[] { input.c.Item1, input.c.Item2, input.c.Item3, input.c.Item4 }.Select((s, n) => (s, n)))
            {
                models.Add(await CommitAsync(repo, "main", models[^1], set, $"change {n}"));
                commits.Add((await repo.GetBranchAsync("main")).Head);
            }
            var k = input.k;
            var head = commits[^1];

            // Revert = merge of the parent onto the branch with the commit as base.
            var (expected, conflicts) = ThreeWay(models[k], models[k - 1], models[^1]);
            await ExpectApplyAsync(repo, () => repo.RevertAsync("main", commits[k]), head, models[^1], expected, conflicts, commit =>
            {
                Assert.That(commit.Metadata[Repository.RevertedCommitKey], Is.EqualTo(commits[k]));
                foreach (var path in SnapshotDiff(models[k - 1], models[k]).Select(c => c.Path).Where(p => Get(models[^1], p) == Get(models[k], p)))
                {
                    Assert.That(Get(expected, path), Is.EqualTo(Get(models[k - 1], path)), "a touched path shows the parent's view");
                }
            });
        }));

    [FsCheck.NUnit.Property(MaxTest = 8)]
    public Property Merging_a_branch_twice_changes_nothing_the_second_time() =>
        Prop.ForAll((from i in Initial from c in Changes.Three() from o in Gen.Choose(0, 3) select (i, c, o)).ToArbitrary(), input => Run(async () =>
        {
            using var dir = new TempDirectory();
            await using var repo = await CreateAsync(dir);
            var m0 = await CommitAsync(repo, "main", [], input.i, "initial");
            await repo.BranchAsync("feature", "main");
            var mf = await CommitAsync(repo, "feature", m0, input.c.Item1, "feature 1");
            await CommitAsync(repo, "feature", mf, input.c.Item2, "feature 2");
            await CommitAsync(repo, "main", m0, input.c.Item3, "main 1");
            var options = new MergeOptions
            {
                Strategy = input.o % 2 == 0 ? MergeStrategy.SourceWins : MergeStrategy.DestinationWins,
                FastForward = input.o < 2 ? FastForward.Allowed : FastForward.Never,
            };
            await repo.MergeAsync("feature", "main", options);
            var heads = await repo.HeadsAsync();
            var content = await repo.ReadBytesAsync("main");

            Assert.ThrowsAsync<NoChangesException>(() => repo.MergeAsync("feature", "main", options));

            Assert.That(await repo.HeadsAsync(), Is.EqualTo(heads));
            Assert.That(await repo.ReadBytesAsync("main"), Is.EqualTo(content));
        }));

    [FsCheck.NUnit.Property(MaxTest = 8)]
    public Property Cherry_pick_applies_exactly_the_commits_diff_and_records_its_source() =>
        Prop.ForAll((from i in Initial from c in Changes.Three() from k in Gen.Choose(1, 2) select (i, c, k)).ToArbitrary(), input => Run(async () =>
        {
            using var dir = new TempDirectory();
            await using var repo = await CreateAsync(dir);
            var m0 = await CommitAsync(repo, "main", [], input.i, "initial");
            await repo.BranchAsync("source", "main");
            await repo.BranchAsync("target", "main");
            var m1 = await CommitAsync(repo, "source", m0, input.c.Item1, "source 1");
            var s1 = (await repo.GetBranchAsync("source")).Head;
            var m2 = await CommitAsync(repo, "source", m1, input.c.Item2, "source 2");
            var s2 = (await repo.GetBranchAsync("source")).Head;
            var mt = await CommitAsync(repo, "target", m0, input.c.Item3, "target 1");
            var head = (await repo.GetBranchAsync("target")).Head;
            var (picked, before, after) = input.k == 1 ? (s1, m0, m1) : (s2, m1, m2);

            // Cherry-pick = merge of the commit onto the branch with its parent as base.
            var (expected, conflicts) = ThreeWay(before, after, mt);
            await ExpectApplyAsync(repo, () => repo.CherryPickAsync("target", picked), head, mt, expected, conflicts, commit =>
            {
                Assert.That(commit.Metadata[Repository.CherryPickedFromKey], Is.EqualTo(picked));
                Assert.That(commit.Message, Is.EqualTo(input.k == 1 ? "source 1" : "source 2"));
            });
        }));

    [FsCheck.NUnit.Property(MaxTest = 8)]
    public Property Three_dot_diff_is_the_two_dot_diff_from_the_merge_base() =>
        Prop.ForAll((from i in Initial from c in Changes.Four() from merge in Gen.Choose(0, 1) select (i, c, merge == 1)).ToArbitrary(), input => Run(async () =>
        {
            using var dir = new TempDirectory();
            await using var repo = await CreateAsync(dir);
            var models = new Dictionary<string, Snapshot>();
            async Task<string> CommitModelAsync(string branch, Snapshot before, ChangeSet set, string message)
            {
                var model = await CommitAsync(repo, branch, before, set, message);
                var id = (await repo.GetBranchAsync(branch)).Head;
                models[id] = model;
                return id;
            }
            var c0 = await CommitModelAsync("main", [], input.i, "initial");
            await repo.BranchAsync("a", "main");
            await repo.BranchAsync("b", "main");
            var a1 = await CommitModelAsync("a", models[c0], input.c.Item1, "a 1");
            var b1 = await CommitModelAsync("b", models[c0], input.c.Item2, "b 1");
            var baseOfAB = c0;
            if (input.Item3)
            {
                var merged = await repo.MergeAsync("a", "b", new MergeOptions { Strategy = MergeStrategy.SourceWins, FastForward = FastForward.Never });
                models[merged.Head] = await SnapshotOfAsync(repo, "b");
                baseOfAB = a1;
            }
            await CommitModelAsync("a", models[a1], input.c.Item3, "a 2");
            await CommitModelAsync("b", models[(await repo.GetBranchAsync("b")).Head], input.c.Item4, "b 2");

            foreach (var (left, right, mergeBase) in new[] { ("a", "b", baseOfAB), ("b", "a", baseOfAB), ("main", "a", c0), ("b", "main", c0) })
            {
                Assert.That((await repo.FindMergeBaseAsync(left, right))?.Id, Is.EqualTo(mergeBase), $"merge base of {left} and {right}");
                var rightModel = models[(await repo.GetBranchAsync(right)).Head];
                var threeDot = await CollectAsync(repo.DiffAsync(left, right, new DiffOptions { Mode = DiffMode.ThreeDot }));
                var twoDot = await CollectAsync(repo.DiffAsync(mergeBase, right));
                Assert.That(threeDot.Select(Key), Is.EqualTo(twoDot.Select(Key)), $"{left}...{right}");
                Assert.That(threeDot.Select(c => (c.Path, c.Kind)), Is.EqualTo(SnapshotDiff(models[mergeBase], rightModel)));
                var filtered = await CollectAsync(repo.DiffAsync(left, right, new DiffOptions { Mode = DiffMode.ThreeDot, Prefix = "d1/" }));
                Assert.That(filtered.Select(Key), Is.EqualTo(twoDot.Where(c => c.Path.StartsWith("d1/", StringComparison.Ordinal)).Select(Key)));
            }
        }));

    [FsCheck.NUnit.Property(MaxTest = 10)]
    public Property Uncommitted_diff_lists_the_staged_changes_and_resets_drop_exactly_theirs() =>
        Prop.ForAll((from i in Initial from s in Changes.Resize(14) from k in Gen.Choose(0, 2) from p in Gen.Choose(0, Paths.Length - 1) from x in Gen.Elements("d1/", "d2/f", "d", "x", "d0/f1") select (i, s, r: (k, p, x))).ToArbitrary(), input => Run(async () =>
        {
            using var dir = new TempDirectory();
            await using var repo = await CreateAsync(dir);
            var committed = await CommitAsync(repo, "main", [], input.i, "initial");
            var head = (await repo.GetBranchAsync("main")).Head;
            var staged = await StageAsync(repo, "main", committed, input.s);

            Assert.That((await CollectAsync(repo.DiffUncommittedAsync("main"))).Select(c => (c.Path, c.Kind)), Is.EqualTo(SnapshotDiff(committed, staged)));
            Assert.That((await CollectAsync(repo.DiffUncommittedAsync("main", new DiffOptions { Prefix = "d2/" }))).Select(c => (c.Path, c.Kind)),
                Is.EqualTo(SnapshotDiff(committed, staged).Where(c => c.Path.StartsWith("d2/", StringComparison.Ordinal))));

            var (kind, pathIndex, prefix) = input.r;
            Func<string, bool> dropped;
            switch (kind)
            {
                case 0:
                    await repo.ResetAsync("main");
                    dropped = _ => true;
                    break;
                case 1:
                    await repo.ResetObjectAsync("main", Paths[pathIndex]);
                    dropped = p => p == Paths[pathIndex];
                    break;
                default:
                    await repo.ResetPrefixAsync("main", prefix);
                    dropped = p => p.StartsWith(prefix, StringComparison.Ordinal);
                    break;
            }
            var expected = new Snapshot(StringComparer.Ordinal);
            foreach (var path in committed.Keys.Union(staged.Keys))
            {
                if (Get(dropped(path) ? committed : staged, path) is { } content)
                {
                    expected[path] = content;
                }
            }
            Assert.That(await repo.ReadTextAsync("main"), Is.EqualTo(expected));
            Assert.That((await CollectAsync(repo.DiffUncommittedAsync("main"))).Select(c => (c.Path, c.Kind)), Is.EqualTo(SnapshotDiff(committed, expected)));
            Assert.That((await repo.GetBranchAsync("main")).Head, Is.EqualTo(head));
            Assert.That(await repo.ReadTextAsync("main@"), Is.EqualTo(committed));
        }));

    // ------------------------------------------------------------------ bad input

    /// <summary>A history with a root, a single-parent commit and a merge commit; "feature" has a staged change.</summary>
    private sealed record BadInputFixture(string Root, string Single, string Merge);

    private static readonly Dictionary<string, (Type Error, Func<Repository, BadInputFixture, Task> Act)> BadInputs = new()
    {
        ["diff from an unknown ref"] = (typeof(RefNotFoundException), (r, _) => CollectAsync(r.DiffAsync("nope", "main"))),
        ["diff to an unknown ref"] = (typeof(RefNotFoundException), (r, _) => CollectAsync(r.DiffAsync("main", "nope", new DiffOptions { Mode = DiffMode.ThreeDot }))),
        ["uncommitted diff of an unknown branch"] = (typeof(BranchNotFoundException), (r, _) => CollectAsync(r.DiffUncommittedAsync("nope"))),
        ["merge base with an unknown ref"] = (typeof(RefNotFoundException), (r, _) => r.FindMergeBaseAsync("main", "nope")),
        ["merge an unknown ref"] = (typeof(RefNotFoundException), (r, _) => r.MergeAsync("nope", "main")),
        ["merge into an unknown branch"] = (typeof(BranchNotFoundException), (r, _) => r.MergeAsync("feature", "nope")),
        ["merge a branch into itself"] = (typeof(ArgumentException), (r, _) => r.MergeAsync("main", "main")),
        ["merge a dirty branch into itself"] = (typeof(ArgumentException), (r, _) => r.MergeAsync("feature", "feature")),
        ["revert an unknown ref"] = (typeof(RefNotFoundException), (r, _) => r.RevertAsync("main", "nope")),
        ["revert onto an unknown branch"] = (typeof(BranchNotFoundException), (r, f) => r.RevertAsync("nope", f.Single)),
        ["cherry-pick an unknown ref"] = (typeof(RefNotFoundException), (r, _) => r.CherryPickAsync("main", "nope")),
        ["cherry-pick onto an unknown branch"] = (typeof(BranchNotFoundException), (r, f) => r.CherryPickAsync("nope", f.Single)),
        ["revert the first commit"] = (typeof(InvalidParentException), (r, f) => r.RevertAsync("main", f.Root)),
        ["cherry-pick the first commit"] = (typeof(InvalidParentException), (r, f) => r.CherryPickAsync("main", f.Root)),
        ["revert the first commit's parent"] = (typeof(RefNotFoundException), (r, f) => r.RevertAsync("main", f.Root + "~1")),
        ["revert a merge commit without a parent number"] = (typeof(InvalidParentException), (r, f) => r.RevertAsync("main", f.Merge)),
        ["revert a merge commit against parent 3"] = (typeof(InvalidParentException), (r, f) => r.RevertAsync("main", f.Merge, new RevertOptions { ParentNumber = 3 })),
        ["revert a merge commit against parent 0"] = (typeof(InvalidParentException), (r, f) => r.RevertAsync("main", f.Merge, new RevertOptions { ParentNumber = 0 })),
        ["cherry-pick a merge commit without a parent number"] = (typeof(InvalidParentException), (r, f) => r.CherryPickAsync("main", f.Merge)),
        ["cherry-pick a merge commit against parent 3"] = (typeof(InvalidParentException), (r, f) => r.CherryPickAsync("main", f.Merge, new RevertOptions { ParentNumber = 3 })),
        ["revert a single-parent commit against parent 2"] = (typeof(InvalidParentException), (r, f) => r.RevertAsync("main", f.Single, new RevertOptions { ParentNumber = 2 })),
        ["cherry-pick a single-parent commit against parent 2"] = (typeof(InvalidParentException), (r, f) => r.CherryPickAsync("main", f.Single, new RevertOptions { ParentNumber = 2 })),
        ["reset an unknown branch"] = (typeof(BranchNotFoundException), (r, _) => r.ResetAsync("nope")),
    };

    private static IEnumerable<string> BadInputNames => BadInputs.Keys;

    [Test]
    public async Task Reverting_a_merge_without_a_parent_number_names_the_option()
    {
        using var dir = new TempDirectory();
        await using var repo = await CreateAsync(dir);
        await repo.BranchAsync("feature", "main");
        await repo.PutTextAsync("feature", "f", "b");
        await repo.CommitAsync("feature", "feature");
        await repo.PutTextAsync("main", "m", "c");
        await repo.CommitAsync("main", "main");
        var merge = (await repo.MergeAsync("feature", "main", new MergeOptions { FastForward = FastForward.Never })).Head;

        var revert = Assert.ThrowsAsync<InvalidParentException>(async () => await repo.RevertAsync("main", merge));
        var pick = Assert.ThrowsAsync<InvalidParentException>(async () => await repo.CherryPickAsync("main", merge));
        Assert.That(revert!.Message, Does.Contain("RevertOptions.ParentNumber"));
        Assert.That(pick!.Message, Does.Contain("RevertOptions.ParentNumber"));
        Assert.That(await repo.RevertAsync("main", merge, new RevertOptions { ParentNumber = 1 }), Is.Not.Null, "the option the message names works");
    }

    [TestCaseSource(nameof(BadInputNames))]
    public async Task Bad_input_is_a_typed_error_and_changes_nothing(string name)
    {
        var (error, act) = BadInputs[name];
        using var dir = new TempDirectory();
        await using var repo = await CreateAsync(dir);
        var root = (await repo.GetBranchAsync("main")).Head;
        await repo.PutTextAsync("main", "d0/f0", "a");
        var single = (await repo.CommitAsync("main", "single")).Id;
        await repo.BranchAsync("feature", "main");
        await repo.PutTextAsync("feature", "d1/f1", "b");
        await repo.CommitAsync("feature", "feature");
        await repo.PutTextAsync("main", "d2/f2", "c");
        await repo.CommitAsync("main", "main");
        var merge = (await repo.MergeAsync("feature", "main", new MergeOptions { FastForward = FastForward.Never })).Head;
        await repo.PutTextAsync("feature", "d3/f3", "staged");
        var heads = await repo.HeadsAsync();
        var views = new Dictionary<string, SortedDictionary<string, byte[]>>();
        foreach (var branch in heads.Keys)
        {
            views[branch] = await repo.ReadBytesAsync(branch);
        }

        Assert.That(async () => await act(repo, new BadInputFixture(root, single, merge)), Throws.TypeOf(error));

        Assert.That(await repo.HeadsAsync(), Is.EqualTo(heads));
        foreach (var branch in heads.Keys)
        {
            Assert.That(await repo.ReadBytesAsync(branch), Is.EqualTo(views[branch]), "the view of " + branch);
        }
        Assert.That((await CollectAsync(repo.DiffUncommittedAsync("feature"))).Select(c => c.Path), Is.EqualTo(new[] { "d3/f3" }));
    }

    // ------------------------------------------------------------------ helpers

    private static bool Run(Func<Task> body)
    {
        body().GetAwaiter().GetResult();
        return true;
    }

    private static Task<Repository> CreateAsync(TempDirectory dir) =>
        Repository.CreateAsync(Repository.LocalOptions(dir.Path) with
        {
            Tree = new TreeOptions { BlockSize = 256, MinRangeBytes = 512, BoundaryBits = 2, MaxRangeBytes = 4096 },
        });

    private static async Task<Snapshot> StageAsync(Repository repo, string branch, Snapshot before, ChangeSet changes)
    {
        var model = new Snapshot(before, StringComparer.Ordinal);
        foreach (var (path, content) in changes.Select(c => (Paths[c.Path], c.Content)))
        {
            if (content >= 0)
            {
                await repo.PutTextAsync(branch, path, Contents[content]);
                model[path] = Contents[content];
            }
            else if (model.Remove(path))
            {
                await repo.DeleteObjectAsync(branch, path);
            }
        }
        return model;
    }

    private static async Task<Snapshot> CommitAsync(Repository repo, string branch, Snapshot before, ChangeSet changes, string message)
    {
        var model = await StageAsync(repo, branch, before, changes);
        await repo.CommitAsync(branch, message, new CommitOptions { AllowEmpty = true });
        return model;
    }

    private static async Task<Snapshot> SnapshotOfAsync(Repository repo, string @ref) => await repo.ReadTextAsync(@ref);

    private static string? Get(Snapshot model, string path) => model.TryGetValue(path, out var content) ? content : null;

    private static IEnumerable<(string Path, ChangeKind Kind)> SnapshotDiff(Snapshot left, Snapshot right) =>
        left.Keys.Union(right.Keys).Order(StringComparer.Ordinal)
            .Where(p => Get(left, p) != Get(right, p))
            .Select(p => (p, !left.ContainsKey(p) ? ChangeKind.Added : !right.ContainsKey(p) ? ChangeKind.Removed : ChangeKind.Changed))
            .ToList();

    /// <summary>The model of a three-way merge: the result, and the paths both sides changed differently.</summary>
    private static (Snapshot Result, List<string> Conflicts) ThreeWay(Snapshot @base, Snapshot source, Snapshot destination)
    {
        var result = new Snapshot(StringComparer.Ordinal);
        var conflicts = new List<string>();
        foreach (var path in @base.Keys.Union(source.Keys).Union(destination.Keys).Order(StringComparer.Ordinal))
        {
            var (b, s, d) = (Get(@base, path), Get(source, path), Get(destination, path));
            if (s != b && d != b && s != d)
            {
                conflicts.Add(path);
            }
            if ((s != b ? s : d) is { } content)
            {
                result[path] = content;
            }
        }
        return (result, conflicts);
    }

    /// <summary>Runs a revert or cherry-pick and checks it against the three-way model.</summary>
    private static async Task ExpectApplyAsync(
        Repository repo, Func<Task<Commit>> apply, string head, Snapshot current, Snapshot expected, List<string> conflicts, Action<Commit> checkCommit)
    {
        if (conflicts.Count > 0)
        {
            var error = Assert.ThrowsAsync<MergeConflictException>(async () => await apply());
            Assert.That(error!.Conflicts.Select(c => c.Path), Is.EqualTo(conflicts));
        }
        else if (Enumerable.SequenceEqual(expected, current))
        {
            Assert.ThrowsAsync<NoChangesException>(async () => await apply());
        }
        else
        {
            var commit = await apply();
            Assert.That(commit.Parents, Is.EqualTo(new[] { head }));
            Assert.That((await repo.GetBranchAsync("main")).Head == commit.Id || (await repo.HeadsAsync()).ContainsValue(commit.Id), Is.True);
            checkCommit(commit);
            Assert.That(await repo.ReadTextAsync(commit.Id), Is.EqualTo(expected));
            return;
        }
        Assert.That((await repo.HeadsAsync()).ContainsValue(head), Is.True, "the branch did not move");
    }

    private static (string Path, ChangeKind Kind, string? Left, string? Right) Key(Change c) =>
        (c.Path, c.Kind, c.Left?.PhysicalAddress, c.Right?.PhysicalAddress);

    private static async Task<List<T>> CollectAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }
        return list;
    }
}
