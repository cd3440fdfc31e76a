using System.Globalization;
using System.Text;
using LakeFs.Core.Errors;
using LakeFs.Core.Hooks;
using LakeFs.Core.Model;
using LakeFs.Core.Refs;
using LakeFs.Core.Tests.TestSupport;
using LakeFs.Core.Trees;

namespace LakeFs.Core.Tests.Refs;

/// <summary>
/// The behaviour every <see cref="IRefStore"/> must show (the rules in its XML docs). Each store's fixture subclasses
/// this, creates a fresh, empty store per test and can open a second instance on the same store, as another process
/// (or another machine) would: what one instance writes, the other must read.
/// </summary>
public abstract class RefStoreContractTests
{
    private readonly List<IRefStore> _opened = [];
    private DateTimeOffset _clock;
    private int _made;

    /// <summary>Creates a fresh, empty store for one test (called in [SetUp]).</summary>
    private protected abstract IRefStore CreateStore();

    /// <summary>Opens another instance on the store <see cref="CreateStore"/> made, with caches of its own.</summary>
    private protected abstract IRefStore OpenSecondInstance();

    /// <summary>Writes staged rows under <paramref name="token"/>, which no branch refers to, as a crash between a head move and its cleanup leaves them.</summary>
    private protected abstract ValueTask AddOrphanRowsAsync(long token, IReadOnlyList<byte[]> paths);

    /// <summary>Deletes what <see cref="CreateStore"/> made, once every instance is disposed (called in [TearDown]).</summary>
    protected abstract void DeleteStore();

    /// <summary>Branches, tags or commit ids the store reads per page of a listing.</summary>
    protected abstract int ListPageSize { get; }

    /// <summary>Rows the store reads per page of a staged scan.</summary>
    protected abstract int StagedPageSize { get; }

    /// <summary>Commits the store reads per page of a history walk, at most.</summary>
    protected abstract int HistoryPageSize { get; }

    private protected IRefStore Store { get; private set; } = null!;

    private static CancellationToken None => CancellationToken.None;

    [SetUp]
    public void SetUpStore()
    {
        _clock = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        _made = 0;
        Store = CreateStore();
    }

    [TearDown]
    public void TearDownStore()
    {
        // Null when the fixture ignored the test in [SetUp] (no server to run it on).
        Store?.Dispose();
        foreach (var store in _opened)
        {
            store.Dispose();
        }
        _opened.Clear();
        DeleteStore();
    }

    /// <summary>A second instance on the same store, disposed after the test.</summary>
    private protected IRefStore Second()
    {
        var store = OpenSecondInstance();
        _opened.Add(store);
        return store;
    }

    // ---- repository and commits ---------------------------------------------------------------------------------

    [Test]
    public async Task Initialize_records_the_default_branch_at_the_first_commit()
    {
        var root = MakeCommit([]);

        await Store.InitializeAsync("repository-1", "trunk", root, None);

        var second = Second();
        foreach (var store in (IRefStore[])[Store, second])
        {
            Assert.That(await store.GetDefaultBranchAsync(None), Is.EqualTo("trunk"));
            var trunk = await store.GetBranchAsync("trunk", None);
            Assert.That(trunk, Is.Not.Null);
            Assert.That(trunk!.Head, Is.EqualTo(root.Id));
            Assert.That(trunk.FrozenTokens, Is.Empty);
            AssertSameCommit((await store.GetCommitAsync(root.Id, None))!, root);
            Assert.That(await NamesAsync(store.ListBranchesAsync(None)), Is.EqualTo(new[] { "trunk" }));
            Assert.That(await store.GetBranchAsync("main", None), Is.Null);
        }
    }

    [Test]
    public async Task A_commit_reads_back_equal_from_every_instance()
    {
        var root = await InitAsync();
        var left = await InsertAsync(root);
        var right = await InsertAsync(root);
        // Parents in the order given, not sorted: the first parent is the branch the merge was made on.
        Commit[] parents = string.CompareOrdinal(left.Id, right.Id) > 0 ? [left, right] : [right, left];
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["z"] = "last", ["a"] = "first", ["ünï"] = "cödé\nline", ["empty"] = "" };
        // Sub-millisecond ticks: commit ids hash the creation time's ticks, so a store must keep all of them.
        var merge = MakeCommit(parents, at: _clock.AddDays(3).AddTicks(1_234_567), message: "Merge 'x'\n\nwith ünïcödé", metadata: metadata);

        await Store.InsertCommitAsync(merge, None);

        foreach (var store in (IRefStore[])[Store, Second()])
        {
            var read = await store.GetCommitAsync(merge.Id, None);
            Assert.That(read, Is.Not.Null);
            AssertSameCommit(read!, merge);
            Assert.That(read!.Parents, Is.EqualTo(new[] { parents[0].Id, parents[1].Id }));
            Assert.That(read.Generation, Is.EqualTo(3));
            Assert.That(read.CreationDate.UtcTicks, Is.EqualTo(merge.CreationDate.UtcTicks));
        }
    }

    [Test]
    public async Task Inserting_a_commit_again_changes_nothing()
    {
        var root = await InitAsync();
        var commit = await InsertAsync(root);

        await Store.InsertCommitAsync(commit, None);
        await Second().InsertCommitAsync(commit, None);

        Assert.That(await Store.FindCommitIdsAsync(commit.Id, 10, None), Is.EqualTo(new[] { commit.Id }));
        Assert.That(await Store.FindCommitIdsAsync("", 10, None), Has.Count.EqualTo(2));
        AssertSameCommit((await Second().GetCommitAsync(commit.Id, None))!, commit);
    }

    [Test]
    public async Task Storing_a_commit_whose_id_is_stored_keeps_the_stored_row_in_every_instance()
    {
        // Ids hash everything but the generation, so a second object with a stored id differs in it at most; the
        // stored row wins and a cache must not hand out the object that was not stored.
        var root = await InitAsync();
        var commit = await InsertAsync(root);
        var other = commit with { Generation = commit.Generation + 7 };
        var next = MakeCommit([root]);
        var otherNext = next with { Generation = next.Generation + 7 };
        await Store.InsertCommitAsync(next, None);

        await Store.InsertCommitAsync(other, None);
        Assert.That(await Store.TryUpdateBranchAsync(new BranchUpdate("main", root.Id, next.Id, otherNext, []), None), Is.True);

        foreach (var store in (IRefStore[])[Store, Second()])
        {
            AssertSameCommit((await store.GetCommitAsync(commit.Id, None))!, commit);
            AssertSameCommit((await store.GetCommitAsync(next.Id, None))!, next);
            Assert.That((await ToListAsync(store.WalkHistoryAsync(next.Id, false, None))).Select(c => c.Generation), Is.EqualTo(new[] { next.Generation, root.Generation }));
        }
    }

    [Test]
    public async Task A_creation_time_with_an_offset_reads_back_as_the_same_instant_at_offset_zero_in_every_instance()
    {
        var root = await InitAsync();
        var local = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.FromHours(2)).AddTicks(4_321);
        var commit = MakeCommit([root], at: local);
        var moved = MakeCommit([commit], at: local.ToOffset(TimeSpan.FromHours(-5)).AddSeconds(1));

        await Store.InsertCommitAsync(commit, None);
        Assert.That(await Store.TryUpdateBranchAsync(new BranchUpdate("main", root.Id, moved.Id, moved, []), None), Is.True);

        foreach (var store in (IRefStore[])[Store, Second()])
        {
            foreach (var expected in (Commit[])[commit, moved])
            {
                var read = (await store.GetCommitAsync(expected.Id, None))!;
                AssertSameCommit(read, expected);
                Assert.That(read.CreationDate.Offset, Is.EqualTo(TimeSpan.Zero), "every store answers in UTC");
                Assert.That(read.CreationDate.UtcTicks, Is.EqualTo(expected.CreationDate.UtcTicks));
            }
        }
    }

    [Test]
    public async Task FindCommitIds_returns_the_ids_with_a_prefix_in_id_order_up_to_the_limit()
    {
        var root = await InitAsync();
        var all = new List<string> { root.Id };
        var head = root;
        for (var i = 0; i < 60; i++)
        {
            head = await InsertAsync(head);
            all.Add(head.Id);
        }
        all.Sort(StringComparer.Ordinal);
        // The most common first hex digit among 61 ids has at least 4 ids.
        var prefix = all.GroupBy(id => id[..1]).OrderByDescending(g => g.Count()).First().Key;
        var withPrefix = all.Where(id => id.StartsWith(prefix, StringComparison.Ordinal)).ToList();

        var second = Second();
        Assert.That(await second.FindCommitIdsAsync("", 1_000, None), Is.EqualTo(all));
        Assert.That(await second.FindCommitIdsAsync("", 5, None), Is.EqualTo(all.Take(5)));
        Assert.That(await second.FindCommitIdsAsync(prefix, 1_000, None), Is.EqualTo(withPrefix));
        Assert.That(await second.FindCommitIdsAsync(prefix, 2, None), Is.EqualTo(withPrefix.Take(2)));
        Assert.That(await second.FindCommitIdsAsync(withPrefix[1], 10, None), Is.EqualTo(new[] { withPrefix[1] }));
        Assert.That(await second.FindCommitIdsAsync(withPrefix[1][..20], 10, None), Is.EqualTo(new[] { withPrefix[1] }));
        Assert.That(await second.FindCommitIdsAsync("g", 10, None), Is.Empty, "no id has a non-hex digit");
        Assert.That(await second.FindCommitIdsAsync(root.Id + "0", 10, None), Is.Empty);
    }

    [Test]
    public async Task GetCommit_of_a_missing_id_is_null()
    {
        var root = await InitAsync();
        var never = MakeCommit([root]);

        Assert.That(await Store.GetCommitAsync(never.Id, None), Is.Null);
        Assert.That(await Second().GetCommitAsync(never.Id, None), Is.Null);
        Assert.That(await Store.GetCommitAsync("", None), Is.Null);
    }

    // ---- history ------------------------------------------------------------------------------------------------

    [Test]
    public async Task WalkHistory_returns_each_commit_of_a_diamond_once_newest_first_by_time_then_generation()
    {
        var root = await InitAsync();
        // Times disagree with generations (r1 is newer than l2 but of a lower generation), and l3 and r2 share a
        // time (the higher generation comes first). Along each line times grow, as they do when clocks agree.
        var l1 = await InsertAsync([root], at: T(10));
        var l2 = await InsertAsync([l1], at: T(11));
        var l3 = await InsertAsync([l2], at: T(14));
        var r1 = await InsertAsync([root], at: T(13));
        var r2 = await InsertAsync([r1], at: T(14));
        var merge = await InsertAsync([l3, r2], at: T(20));
        var top = await InsertAsync([merge], at: T(21));

        foreach (var store in (IRefStore[])[Store, Second()])
        {
            var walked = await IdsAsync(store.WalkHistoryAsync(top.Id, firstParent: false, None));
            Assert.That(walked, Is.EqualTo(new[] { top, merge, l3, r2, r1, l2, l1, root }.Select(c => c.Id)));

            var firstParents = await IdsAsync(store.WalkHistoryAsync(top.Id, firstParent: true, None));
            Assert.That(firstParents, Is.EqualTo(new[] { top, merge, l3, l2, l1, root }.Select(c => c.Id)));

            Assert.That(await IdsAsync(store.WalkHistoryAsync(r2.Id, firstParent: false, None)), Is.EqualTo(new[] { r2, r1, root }.Select(c => c.Id)));
        }
    }

    [Test]
    public async Task WalkHistory_visits_a_commit_reached_by_many_paths_once()
    {
        var root = await InitAsync();
        // A ladder of diamonds: every commit is reachable along 2^k paths.
        var head = root;
        for (var i = 0; i < 12; i++)
        {
            var a = await InsertAsync(head);
            var b = await InsertAsync(head);
            head = await InsertAsync(a, b);
        }

        var walked = await IdsAsync(Second().WalkHistoryAsync(head.Id, firstParent: false, None));

        Assert.That(walked, Has.Count.EqualTo(1 + 12 * 3));
        Assert.That(walked, Is.Unique);
        Assert.That(walked[0], Is.EqualTo(head.Id));
        Assert.That(walked[^1], Is.EqualTo(root.Id));
    }

    [Test]
    public async Task WalkHistory_throws_CorruptDataException_when_an_ancestor_is_missing()
    {
        var root = await InitAsync();
        var missing = MakeCommit([root]);
        var orphan = await InsertAsync(missing);
        var child = await InsertAsync(orphan);
        var merge = await InsertAsync([root, child]);

        foreach (var store in (IRefStore[])[Store, Second()])
        {
            Assert.That(async () => await IdsAsync(store.WalkHistoryAsync(child.Id, firstParent: false, None)), Throws.InstanceOf<CorruptDataException>());
            Assert.That(async () => await IdsAsync(store.WalkHistoryAsync(merge.Id, firstParent: false, None)), Throws.InstanceOf<CorruptDataException>());
            Assert.That(async () => await IdsAsync(store.WalkHistoryAsync(missing.Id, firstParent: false, None)), Throws.InstanceOf<CorruptDataException>());
            // Along first parents only the merge's first parent (root) is read.
            Assert.That(await IdsAsync(store.WalkHistoryAsync(merge.Id, firstParent: true, None)), Is.EqualTo(new[] { merge.Id, root.Id }));
        }
    }

    [Test]
    public async Task WalkHistory_reads_a_history_longer_than_several_pages()
    {
        var root = await InitAsync();
        var count = 3 * HistoryPageSize + 17;
        var line = new List<Commit> { root };
        Commit? side = null;
        for (var i = 1; i < count; i++)
        {
            if (i == count / 2)
            {
                // A side line merged back in: the walk follows second parents into lines it has not paged yet.
                side = await InsertAsync(line[^40]);
                line.Add(await InsertAsync(line[^1], side));
            }
            else
            {
                line.Add(await InsertAsync(line[^1]));
            }
        }
        var expected = line.Concat([side!]).OrderByDescending(c => c.CreationDate).ThenByDescending(c => c.Generation).Select(c => c.Id).ToList();

        var walked = await IdsAsync(Second().WalkHistoryAsync(line[^1].Id, firstParent: false, None));
        var firstParents = await IdsAsync(Second().WalkHistoryAsync(line[^1].Id, firstParent: true, None));

        Assert.That(walked, Is.EqualTo(expected));
        Assert.That(firstParents, Is.EqualTo(Enumerable.Reverse(line).Select(c => c.Id)));
    }

    // ---- merge bases --------------------------------------------------------------------------------------------

    [Test]
    public async Task FindMergeBases_of_a_line_is_the_older_commit()
    {
        var root = await InitAsync();
        var a = await InsertAsync(root);
        var b = await InsertAsync(a);
        var c = await InsertAsync(b);

        foreach (var store in (IRefStore[])[Store, Second()])
        {
            Assert.That(await BaseIdsAsync(store, [c.Id], a.Id), Is.EqualTo(new[] { a.Id }));
            Assert.That(await BaseIdsAsync(store, [a.Id], c.Id), Is.EqualTo(new[] { a.Id }));
            Assert.That(await BaseIdsAsync(store, [c.Id], c.Id), Is.EqualTo(new[] { c.Id }));
        }
    }

    [Test]
    public async Task FindMergeBases_of_a_diamond_is_the_fork_point()
    {
        var root = await InitAsync();
        var fork = await InsertAsync(root);
        var a = await InsertAsync(await InsertAsync(fork));
        var b = await InsertAsync(fork);
        var merge = await InsertAsync(a, b);
        var after = await InsertAsync(b);

        foreach (var store in (IRefStore[])[Store, Second()])
        {
            Assert.That(await BaseIdsAsync(store, [a.Id], b.Id), Is.EqualTo(new[] { fork.Id }));
            Assert.That(await BaseIdsAsync(store, [b.Id], a.Id), Is.EqualTo(new[] { fork.Id }));
            // After a merge, the merged commit is the base.
            Assert.That(await BaseIdsAsync(store, [merge.Id], after.Id), Is.EqualTo(new[] { b.Id }));
        }
    }

    [Test]
    public async Task FindMergeBases_of_a_criss_cross_history_are_both_bases_in_MergeBase_Order()
    {
        var root = await InitAsync();
        // Same generation: the order falls to the message, so "a-line" comes before "b-line", here the larger id
        // (the order of a walk by generation, then id, would be the other).
        Commit a, b;
        do
        {
            b = MakeCommit([root], message: "b-line");
            a = MakeCommit([root], message: "a-line");
        }
        while (string.CompareOrdinal(a.Id, b.Id) < 0);
        await Store.InsertCommitAsync(b, None);
        await Store.InsertCommitAsync(a, None);
        var m1 = await InsertAsync(a, b);
        var m2 = await InsertAsync(b, a);
        var x = await InsertAsync(m1);
        var y = await InsertAsync(m2);

        foreach (var store in (IRefStore[])[Store, Second()])
        {
            var bases = await store.FindMergeBasesAsync([x.Id], y.Id, None);
            Assert.That(bases.Select(c => c.Id), Is.EqualTo(new[] { a.Id, b.Id }));
            Assert.That(bases, Is.Ordered.Using(MergeBase.Order));
            AssertSameCommit(bases[0], a);
            Assert.That(await BaseIdsAsync(store, [y.Id], x.Id), Is.EqualTo(new[] { a.Id, b.Id }));
        }
    }

    [Test]
    public async Task FindMergeBases_of_unrelated_histories_is_empty()
    {
        var root = await InitAsync();
        var a = await InsertAsync(root);
        var otherRoot = await InsertAsync([]);
        var b = await InsertAsync(otherRoot);

        Assert.That(await Store.FindMergeBasesAsync([a.Id], b.Id, None), Is.Empty);
        Assert.That(await Second().FindMergeBasesAsync([b.Id], a.Id, None), Is.Empty);
    }

    [Test]
    public async Task FindMergeBases_of_lines_longer_than_a_history_page_from_a_small_cache_is_the_fork_point()
    {
        var (fork, left, right) = await TwoLinesAsync(HistoryPageSize + 37);

        // Second() has a commit cache smaller than a page: the walk must not lose commits it paged in.
        Assert.That(await BaseIdsAsync(Second(), [left.Id], right.Id), Is.EqualTo(new[] { fork.Id }));
        Assert.That(await BaseIdsAsync(Second(), [right.Id], left.Id), Is.EqualTo(new[] { fork.Id }));
    }

    /// <summary>A shared line of 10 commits, then <paramref name="length"/> commits on each of two lines from its head.</summary>
    private protected async Task<(Commit Fork, Commit Left, Commit Right)> TwoLinesAsync(int length)
    {
        var fork = await InitAsync();
        for (var i = 0; i < 10; i++)
        {
            fork = await InsertAsync(fork);
        }
        var (left, right) = (fork, fork);
        for (var i = 0; i < length; i++)
        {
            left = await InsertAsync(left);
            right = await InsertAsync(right);
        }
        return (fork, left, right);
    }

    [Test]
    public async Task FindMergeBases_takes_several_left_commits_together_as_the_parents_of_one_merge()
    {
        var root = await InitAsync();
        var a = await InsertAsync(root);
        var b = await InsertAsync(root);
        var c = await InsertAsync(root);
        var b2 = await InsertAsync(b);
        var ab = await InsertAsync(a, b);

        foreach (var store in (IRefStore[])[Store, Second()])
        {
            Assert.That(await BaseIdsAsync(store, [a.Id], b2.Id), Is.EqualTo(new[] { root.Id }));
            Assert.That(await BaseIdsAsync(store, [a.Id, b.Id], b2.Id), Is.EqualTo(new[] { b.Id }));
            Assert.That(await BaseIdsAsync(store, [c.Id, a.Id, b.Id], b2.Id), Is.EqualTo(new[] { b.Id }));
            Assert.That(await BaseIdsAsync(store, [c.Id, ab.Id], b2.Id), Is.EqualTo(new[] { b.Id }));
        }
    }

    // ---- branches -----------------------------------------------------------------------------------------------

    [Test]
    public async Task A_created_branch_is_read_with_a_fresh_staging_area_by_every_instance()
    {
        var root = await InitAsync();
        var commit = await InsertAsync(root);

        await Store.CreateBranchAsync("feature/x", commit.Id, null, None);

        var main = (await Store.GetBranchAsync("main", None))!;
        foreach (var store in (IRefStore[])[Store, Second()])
        {
            var feature = await store.GetBranchAsync("feature/x", None);
            Assert.That(feature, Is.Not.Null);
            Assert.That(feature!.Name, Is.EqualTo("feature/x"));
            Assert.That(feature.Head, Is.EqualTo(commit.Id));
            Assert.That(feature.FrozenTokens, Is.Empty);
            Assert.That(feature.StagingToken, Is.Not.EqualTo(main.StagingToken));
            Assert.That(await store.BranchExistsAsync("feature/x", None), Is.True);
            Assert.That(await store.BranchExistsAsync("feature", None), Is.False);
            Assert.That(await store.GetBranchAsync("Feature/x", None), Is.Null, "names are case-sensitive");
        }
    }

    [Test]
    public async Task Branches_are_listed_by_ordinal_name_across_several_pages()
    {
        var root = await InitAsync();
        var random = new Random(1234);
        var names = new HashSet<string>(StringComparer.Ordinal) { "main" };
        const string First = "ABCXYZabcxyz0189_";
        const string Rest = "ABZaz09_-./";
        while (names.Count < 2 * ListPageSize + 3)
        {
            var length = random.Next(1, 12);
            var name = First[random.Next(First.Length)] + new string([.. Enumerable.Range(1, length).Select(_ => Rest[random.Next(Rest.Length)])]);
            var folderConflict = names.Any(n => n.StartsWith(name + "/", StringComparison.Ordinal) || name.StartsWith(n + "/", StringComparison.Ordinal));
            if (!name.Contains("..", StringComparison.Ordinal) && !name.Contains("//", StringComparison.Ordinal) && !name.EndsWith('/') && !name.EndsWith('.')
                && !folderConflict && names.Add(name))
            {
                await Store.CreateBranchAsync(name, root.Id, null, None);
            }
        }
        var expected = names.Order(StringComparer.Ordinal).ToList();

        foreach (var store in (IRefStore[])[Store, Second()])
        {
            var listed = await ToListAsync(store.ListBranchesAsync(None));
            Assert.That(listed.Select(b => b.Name), Is.EqualTo(expected));
            Assert.That(listed.Select(b => b.Head), Has.All.EqualTo(root.Id));
            Assert.That(listed.Select(b => b.StagingToken), Is.Unique);
        }
    }

    [Test]
    public async Task Deleting_a_branch_drops_it_and_its_staged_rows()
    {
        var root = await InitAsync();
        await Store.CreateBranchAsync("doomed", root.Id, null, None);
        await StageAsync(Store, "doomed", "a", "1");
        var frozen = await Store.FreezeStagingAsync("doomed", None);
        await StageAsync(Store, "doomed", "b", "2");
        await StageAsync(Store, "main", "a", "kept");
        var tokens = (await Store.GetBranchAsync("doomed", None))!.Tokens;
        Assert.That(tokens, Has.Length.EqualTo(2));
        Assert.That(frozen.FrozenTokens, Has.Length.EqualTo(1));

        await Store.DeleteBranchAsync("doomed", null, None);

        foreach (var store in (IRefStore[])[Store, Second()])
        {
            Assert.That(await store.GetBranchAsync("doomed", None), Is.Null);
            Assert.That(await NamesAsync(store.ListBranchesAsync(None)), Is.EqualTo(new[] { "main" }));
            Assert.That(async () => await store.GetStagedAsync("doomed", P("a"), None), Throws.InstanceOf<BranchNotFoundException>());
            foreach (var token in tokens)
            {
                Assert.That(await ToListAsync(store.ScanStagedAsync(token, [], None)), Is.Empty, $"rows of token {token}");
            }
            Assert.That(await EntryAsync(store, "main", "a"), Is.EqualTo("kept"));
        }

        await Store.CreateBranchAsync("doomed", root.Id, null, None);
        var again = await Store.GetStagedAsync("doomed", P("b"), None);
        Assert.That(again.Found, Is.False, "a branch created again starts with nothing staged");
        Assert.That(await Store.HasStagedAsync(again.Branch, None), Is.False);
    }

    [Test]
    public async Task A_ref_name_is_never_also_a_folder_of_refs()
    {
        var root = await InitAsync();
        await Store.CreateBranchAsync("feature/x", root.Id, null, None);
        await Store.CreateTagAsync("release/2026/v1", root.Id, null, None);
        var second = Second();

        // A folder of an existing ref, and a name inside an existing ref, of either kind, from either instance.
        foreach (var (store, name) in new[] { (Store, "feature"), (second, "release"), (Store, "release/2026"), (second, "main/dev"), (Store, "feature/x/y") })
        {
            Assert.That(async () => await store.CreateBranchAsync(name, root.Id, null, None), Throws.InstanceOf<RefNameConflictException>(), name);
            Assert.That(async () => await store.CreateTagAsync(name, root.Id, null, None), Throws.InstanceOf<RefNameConflictException>(), name);
        }
        // Names that only share a beginning are no folders: "feature-x", "feature.x" and "featurex/y" sort around
        // "feature/" and "feature0" and must not be caught by the range check.
        foreach (var name in new[] { "feature-x", "feature.x", "featurex/y", "feature/xy", "release/2026/v10", "mainline/dev" })
        {
            await second.CreateBranchAsync(name, root.Id, null, None);
        }
        await Store.CreateTagAsync("feature/x0", root.Id, null, None);

        // Deleting the ref frees its folder.
        await Store.DeleteBranchAsync("feature/x", null, None);
        await second.CreateBranchAsync("feature/x/y", root.Id, null, None);
        Assert.That(await NamesAsync(Store.ListBranchesAsync(None)), Is.EqualTo(new[]
        {
            "feature-x", "feature.x", "feature/x/y", "feature/xy", "featurex/y", "main", "mainline/dev", "release/2026/v10",
        }));
    }

    [Test]
    public async Task Branches_and_tags_share_one_namespace()
    {
        var root = await InitAsync();
        var other = await InsertAsync(root);
        await Store.CreateBranchAsync("dev", root.Id, null, None);
        await Store.CreateTagAsync("v1", root.Id, null, None);
        var second = Second();

        Assert.That(async () => await Store.CreateBranchAsync("dev", other.Id, null, None), Throws.InstanceOf<BranchAlreadyExistsException>());
        Assert.That(async () => await second.CreateBranchAsync("main", other.Id, null, None), Throws.InstanceOf<BranchAlreadyExistsException>());
        Assert.That(async () => await second.CreateBranchAsync("v1", other.Id, null, None), Throws.InstanceOf<TagAlreadyExistsException>());
        Assert.That(async () => await Store.CreateTagAsync("v1", other.Id, null, None), Throws.InstanceOf<TagAlreadyExistsException>());
        Assert.That(async () => await second.CreateTagAsync("dev", other.Id, null, None), Throws.InstanceOf<BranchAlreadyExistsException>());
        Assert.That(async () => await Store.CreateTagAsync("main", other.Id, null, None), Throws.InstanceOf<BranchAlreadyExistsException>());

        foreach (var store in (IRefStore[])[Store, second])
        {
            Assert.That((await store.GetBranchAsync("dev", None))!.Head, Is.EqualTo(root.Id));
            Assert.That((await store.GetBranchAsync("main", None))!.Head, Is.EqualTo(root.Id));
            Assert.That(await store.GetBranchAsync("v1", None), Is.Null);
            Assert.That(await store.GetTagAsync("v1", None), Is.EqualTo(root.Id));
            Assert.That(await store.GetTagAsync("dev", None), Is.Null);
            Assert.That(await NamesAsync(store.ListBranchesAsync(None)), Is.EqualTo(new[] { "dev", "main" }));
            Assert.That((await ToListAsync(store.ListTagsAsync(None))).Select(t => t.Name), Is.EqualTo(new[] { "v1" }));
        }

        // A deleted name is free again, for either kind.
        await Store.DeleteBranchAsync("dev", null, None);
        await second.CreateTagAsync("dev", other.Id, null, None);
        Assert.That(await DeleteTagAsync(Store, "v1"), Is.True);
        await second.CreateBranchAsync("v1", other.Id, null, None);
        Assert.That(await Store.GetTagAsync("dev", None), Is.EqualTo(other.Id));
        Assert.That((await Store.GetBranchAsync("v1", None))!.Head, Is.EqualTo(other.Id));
    }

    [Test]
    public async Task Branch_operations_on_a_missing_branch_throw_BranchNotFoundException()
    {
        var root = await InitAsync();
        var next = MakeCommit([root]);

        foreach (var store in (IRefStore[])[Store, Second()])
        {
            Assert.That(async () => await store.DeleteBranchAsync("nope", null, None), Throws.InstanceOf<BranchNotFoundException>());
            Assert.That(async () => await store.FreezeStagingAsync("nope", None), Throws.InstanceOf<BranchNotFoundException>());
            Assert.That(async () => await store.TryUpdateBranchAsync(new BranchUpdate("nope", root.Id, next.Id, next, []), None), Throws.InstanceOf<BranchNotFoundException>());
            Assert.That(async () => await store.GetStagedAsync("nope", P("a"), None), Throws.InstanceOf<BranchNotFoundException>());
            Assert.That(async () => await store.DropStagedAsync("nope", P("a"), P("z"), None), Throws.InstanceOf<BranchNotFoundException>());
            Assert.That(await StageAsync(store, "nope", "a", "1"), Is.EqualTo(StageResult.BranchNotFound));
            Assert.That(await StageAsync(store, "nope", "a", null), Is.EqualTo(StageResult.BranchNotFound));
            Assert.That(await StageAsync(store, "nope", "a", "1", ifAbsentAtHead: root.Id), Is.EqualTo(StageResult.BranchNotFound));
            Assert.That(await store.GetBranchAsync("nope", None), Is.Null);
            Assert.That(await store.BranchExistsAsync("nope", None), Is.False);
        }
        Assert.That(await Store.GetCommitAsync(next.Id, None), Is.Null, "a failed update stores no commit");
        Assert.That(await NamesAsync(Store.ListBranchesAsync(None)), Is.EqualTo(new[] { "main" }));
    }

    // ---- freezing staging and the compare-and-swap of a head ----------------------------------------------------

    [Test]
    public async Task FreezeStaging_moves_writes_to_a_fresh_area_and_keeps_the_frozen_rows_readable()
    {
        await InitAsync();
        await StageAsync(Store, "main", "a", "1");
        var before = (await Store.GetBranchAsync("main", None))!;

        var frozen = await Store.FreezeStagingAsync("main", None);

        Assert.That(frozen.FrozenTokens, Is.EqualTo(new[] { before.StagingToken }));
        Assert.That(frozen.StagingToken, Is.Not.EqualTo(before.StagingToken));
        Assert.That(frozen.Head, Is.EqualTo(before.Head));
        var second = Second();
        var read = (await second.GetBranchAsync("main", None))!;
        Assert.That(read.StagingToken, Is.EqualTo(frozen.StagingToken));
        Assert.That(read.FrozenTokens, Is.EqualTo(frozen.FrozenTokens));

        await StageAsync(second, "main", "b", "2");
        var twice = await second.FreezeStagingAsync("main", None);

        Assert.That(twice.FrozenTokens, Is.EqualTo(new[] { frozen.StagingToken, before.StagingToken }), "newest first");
        foreach (var store in (IRefStore[])[Store, second])
        {
            Assert.That(await EntryAsync(store, "main", "a"), Is.EqualTo("1"));
            Assert.That(await EntryAsync(store, "main", "b"), Is.EqualTo("2"));
            Assert.That(await store.HasStagedAsync((await store.GetBranchAsync("main", None))!, None), Is.True);
        }
        Assert.That(await PathsAsync(Store.ScanStagedAsync(before.StagingToken, [], None)), Is.EqualTo(new[] { "a" }));
        Assert.That(await PathsAsync(Store.ScanStagedAsync(frozen.StagingToken, [], None)), Is.EqualTo(new[] { "b" }));
        Assert.That(await PathsAsync(Store.ScanStagedAsync(twice.StagingToken, [], None)), Is.Empty);
    }

    [Test]
    public async Task TryUpdateBranch_stores_the_commit_moves_the_head_and_retires_the_frozen_rows()
    {
        var root = await InitAsync();
        await StageAsync(Store, "main", "a", "1");
        var frozen = await Store.FreezeStagingAsync("main", None);
        await StageAsync(Store, "main", "b", "2");
        var commit = MakeCommit([root]);

        Assert.That(await Store.TryUpdateBranchAsync(new BranchUpdate("main", root.Id, commit.Id, commit, frozen.FrozenTokens), None), Is.True);

        foreach (var store in (IRefStore[])[Store, Second()])
        {
            var main = (await store.GetBranchAsync("main", None))!;
            Assert.That(main.Head, Is.EqualTo(commit.Id));
            Assert.That(main.FrozenTokens, Is.Empty);
            Assert.That(main.StagingToken, Is.EqualTo(frozen.StagingToken));
            AssertSameCommit((await store.GetCommitAsync(commit.Id, None))!, commit);
            var a = await store.GetStagedAsync("main", P("a"), None);
            Assert.That(a.Found, Is.False, "the retired row is gone");
            Assert.That(a.Branch.Head, Is.EqualTo(commit.Id));
            Assert.That(await EntryAsync(store, "main", "b"), Is.EqualTo("2"), "a row staged after the freeze stays");
            Assert.That(await ToListAsync(store.ScanStagedAsync(frozen.FrozenTokens[0], [], None)), Is.Empty);
            Assert.That(await IdsAsync(store.WalkHistoryAsync(main.Head, firstParent: false, None)), Is.EqualTo(new[] { commit.Id, root.Id }));
        }
    }

    [Test]
    public async Task TryUpdateBranch_changes_nothing_when_the_head_moved()
    {
        var root = await InitAsync();
        var moved = MakeCommit([root]);
        await Store.TryUpdateBranchAsync(new BranchUpdate("main", root.Id, moved.Id, moved, []), None);
        await StageAsync(Store, "main", "a", "1");
        var frozen = await Store.FreezeStagingAsync("main", None);
        var late = MakeCommit([root]);

        Assert.That(await Second().TryUpdateBranchAsync(new BranchUpdate("main", root.Id, late.Id, late, frozen.FrozenTokens), None), Is.False);
        Assert.That(await Store.TryUpdateBranchAsync(new BranchUpdate("main", root.Id, root.Id, null, frozen.FrozenTokens), None), Is.False);

        foreach (var store in (IRefStore[])[Store, Second()])
        {
            var main = (await store.GetBranchAsync("main", None))!;
            Assert.That(main.Head, Is.EqualTo(moved.Id));
            Assert.That(main.FrozenTokens, Is.EqualTo(frozen.FrozenTokens));
            Assert.That(await store.GetCommitAsync(late.Id, None), Is.Null, "the commit of a failed update is not stored");
            Assert.That(await store.FindCommitIdsAsync(late.Id, 1, None), Is.Empty);
            Assert.That(await EntryAsync(store, "main", "a"), Is.EqualTo("1"), "the frozen rows stay");
        }
    }

    [Test]
    public async Task TryUpdateBranch_changes_nothing_when_a_token_to_retire_is_not_frozen_on_the_branch()
    {
        var root = await InitAsync();
        await Store.CreateBranchAsync("other", root.Id, null, None);
        await StageAsync(Store, "main", "a", "1");
        await StageAsync(Store, "other", "o", "1");
        var first = await Store.FreezeStagingAsync("main", None);
        var otherFrozen = await Store.FreezeStagingAsync("other", None);
        var c1 = MakeCommit([root]);
        Assert.That(await Store.TryUpdateBranchAsync(new BranchUpdate("main", root.Id, c1.Id, c1, first.FrozenTokens), None), Is.True);
        await StageAsync(Store, "main", "b", "2");
        var c2 = MakeCommit([c1]);
        var current = (await Store.GetBranchAsync("main", None))!;

        // Retired already; the current staging area; another branch's frozen area; a token never handed out.
        long[][] refused = [first.FrozenTokens, [current.StagingToken], otherFrozen.FrozenTokens, [current.StagingToken + 1_000_000]];
        foreach (var retire in refused)
        {
            Assert.That(await Second().TryUpdateBranchAsync(new BranchUpdate("main", c1.Id, c2.Id, c2, retire), None), Is.False, $"retiring {retire[0]}");
        }

        var main = (await Store.GetBranchAsync("main", None))!;
        Assert.That(main.Head, Is.EqualTo(c1.Id));
        Assert.That(await Store.GetCommitAsync(c2.Id, None), Is.Null);
        Assert.That(await EntryAsync(Store, "main", "b"), Is.EqualTo("2"));
        Assert.That(await EntryAsync(Store, "other", "o"), Is.EqualTo("1"));
        Assert.That((await Store.GetBranchAsync("other", None))!.FrozenTokens, Is.EqualTo(otherFrozen.FrozenTokens));
    }

    [Test]
    public async Task TryUpdateBranch_retires_only_the_tokens_named_and_keeps_the_other_frozen_areas()
    {
        var root = await InitAsync();
        await StageAsync(Store, "main", "a", "1");
        var older = await Store.FreezeStagingAsync("main", None);
        await StageAsync(Store, "main", "a", "2");
        await StageAsync(Store, "main", "b", "2");
        var newer = await Store.FreezeStagingAsync("main", None);
        await StageAsync(Store, "main", "c", "3");
        var olderToken = older.FrozenTokens[0];
        var newerToken = newer.FrozenTokens[0];
        var commit = MakeCommit([root]);

        Assert.That(await Store.TryUpdateBranchAsync(new BranchUpdate("main", root.Id, commit.Id, commit, [olderToken]), None), Is.True);

        foreach (var store in (IRefStore[])[Store, Second()])
        {
            var main = (await store.GetBranchAsync("main", None))!;
            Assert.That(main.FrozenTokens, Is.EqualTo(new[] { newerToken }));
            Assert.That(await EntryAsync(store, "main", "a"), Is.EqualTo("2"));
            Assert.That(await EntryAsync(store, "main", "b"), Is.EqualTo("2"));
            Assert.That(await EntryAsync(store, "main", "c"), Is.EqualTo("3"));
            Assert.That(await ToListAsync(store.ScanStagedAsync(olderToken, [], None)), Is.Empty);
            Assert.That(await PathsAsync(store.ScanStagedAsync(newerToken, [], None)), Is.EqualTo(new[] { "a", "b" }));
        }
    }

    [Test]
    public async Task TryUpdateBranch_trims_the_selected_rows_of_frozen_areas_keeps_the_rest_and_retires_emptied_areas()
    {
        var root = await InitAsync();
        await StageAsync(Store, "main", "a/1", "1");
        await StageAsync(Store, "main", "b", "1");
        await StageAsync(Store, "main", "c", "1");
        var older = (await Store.FreezeStagingAsync("main", None)).FrozenTokens[0];
        await StageAsync(Store, "main", "a/2", "2");
        await StageAsync(Store, "main", "a/1", null);
        var newer = (await Store.FreezeStagingAsync("main", None)).FrozenTokens[0];
        await StageAsync(Store, "main", "a/3", "3");
        var current = (await Store.GetBranchAsync("main", None))!.StagingToken;
        var commit = MakeCommit([root]);
        // a/ and c: all of the newer area's rows, part of the older one's; the current area is not touched.
        var trim = new StagedSelection([older, newer], [KeyRange.Prefix(P("a/")), KeyRange.Single(P("c"))]);

        // A token of the selection not frozen on the branch (here: the current area) refuses the update, changing nothing.
        var refused = new BranchUpdate("main", root.Id, commit.Id, commit, []) { Trim = trim with { Tokens = [older, current] } };
        Assert.That(await Second().TryUpdateBranchAsync(refused, None), Is.False);
        Assert.That(await PathsAsync(Store.ScanStagedAsync(older, [], None)), Is.EqualTo(new[] { "a/1", "b", "c" }));

        Assert.That(await Second().TryUpdateBranchAsync(new BranchUpdate("main", root.Id, commit.Id, commit, []) { Trim = trim }, None), Is.True);
        foreach (var store in (IRefStore[])[Store, Second()])
        {
            var main = (await store.GetBranchAsync("main", None))!;
            Assert.That(main.Head, Is.EqualTo(commit.Id));
            Assert.That(main.FrozenTokens, Is.EqualTo(new[] { older }), "the emptied area is retired, the other stays frozen");
            Assert.That(await PathsAsync(store.ScanStagedAsync(older, [], None)), Is.EqualTo(new[] { "b" }));
            Assert.That(await ToListAsync(store.ScanStagedAsync(newer, [], None)), Is.Empty);
            Assert.That(await PathsAsync(store.ScanStagedAsync(current, [], None)), Is.EqualTo(new[] { "a/3" }));
            Assert.That(await EntryAsync(store, "main", "b"), Is.EqualTo("1"), "a row left frozen reads as staged");
            Assert.That((await store.GetStagedAsync("main", P("a/1"), None)).Found, Is.False);
            Assert.That(await store.HasStagedAsync(main, None), Is.True);
        }
        // A lost race (head moved) trims nothing.
        var next = MakeCommit([commit]);
        var stale = new BranchUpdate("main", root.Id, next.Id, next, []) { Trim = new StagedSelection([older], [KeyRange.Single(P("b"))]) };
        Assert.That(await Store.TryUpdateBranchAsync(stale, None), Is.False);
        Assert.That(await PathsAsync(Second().ScanStagedAsync(older, [], None)), Is.EqualTo(new[] { "b" }));
    }

    [Test]
    public async Task TryUpdateBranch_with_the_same_head_only_retires()
    {
        var root = await InitAsync();
        await StageAsync(Store, "main", "a", "1");
        var frozen = await Store.FreezeStagingAsync("main", None);

        Assert.That(await Store.TryUpdateBranchAsync(new BranchUpdate("main", root.Id, root.Id, null, frozen.FrozenTokens), None), Is.True);

        var main = (await Second().GetBranchAsync("main", None))!;
        Assert.That(main.Head, Is.EqualTo(root.Id));
        Assert.That(main.FrozenTokens, Is.Empty);
        Assert.That((await Second().GetStagedAsync("main", P("a"), None)).Found, Is.False);
        Assert.That(await Store.HasStagedAsync(main, None), Is.False);

        // Retiring nothing with the same head succeeds and changes nothing.
        Assert.That(await Store.TryUpdateBranchAsync(new BranchUpdate("main", root.Id, root.Id, null, []), None), Is.True);
        Assert.That((await Store.GetBranchAsync("main", None))!.Head, Is.EqualTo(root.Id));
    }

    [Test]
    public async Task Of_many_updates_racing_from_one_head_exactly_one_wins()
    {
        var root = await InitAsync();
        var second = Second();
        IRefStore[] stores = [Store, second];
        var head = root;
        for (var round = 0; round < 10; round++)
        {
            await StageAsync(stores[round % 2], "main", "p" + round.ToString(CultureInfo.InvariantCulture), "x");
            var frozen = await stores[round % 2].FreezeStagingAsync("main", None);
            var candidates = Enumerable.Range(0, 24).Select(i => MakeCommit([head], message: $"round {round} racer {i}")).ToList();
            // A thread per racer, released together (thread-pool tasks would mostly run one after another). Half the
            // racers retire the frozen area with the move, half only move.
            using var barrier = new Barrier(candidates.Count);
            var racers = candidates.Select((c, i) => Task.Factory.StartNew(() =>
            {
                barrier.SignalAndWait();
                return stores[i % 2].TryUpdateBranchAsync(new BranchUpdate("main", head.Id, c.Id, c, i % 4 < 2 ? frozen.FrozenTokens : []), None).AsTask();
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()).ToList();
            var results = await Task.WhenAll(racers);

            Assert.That(results.Count(won => won), Is.EqualTo(1), $"round {round}");
            var winner = candidates[Array.IndexOf(results, true)];
            foreach (var store in stores)
            {
                Assert.That((await store.GetBranchAsync("main", None))!.Head, Is.EqualTo(winner.Id));
                var stored = await store.FindCommitIdsAsync("", 10_000, None);
                Assert.That(stored.Intersect(candidates.Select(c => c.Id)), Is.EqualTo(new[] { winner.Id }), "only the winner's commit is stored");
            }
            AssertSameCommit((await second.GetCommitAsync(winner.Id, None))!, winner);
            head = winner;
        }
        Assert.That(await IdsAsync(Store.WalkHistoryAsync(head.Id, firstParent: false, None)), Has.Count.EqualTo(11));
    }

    // ---- tags ---------------------------------------------------------------------------------------------------

    [Test]
    public async Task Tags_are_created_read_listed_across_pages_and_deleted()
    {
        var root = await InitAsync();
        var other = await InsertAsync(root);
        var random = new Random(99);
        var names = Enumerable.Range(0, 2 * ListPageSize + 5)
            .Select(i => (random.Next(3) switch { 0 => "V", 1 => "v", _ => "_" }) + i.ToString(CultureInfo.InvariantCulture))
            .OrderBy(_ => random.Next()).ToList();
        foreach (var (name, i) in names.Select((n, i) => (n, i)))
        {
            await Store.CreateTagAsync(name, i % 2 == 0 ? root.Id : other.Id, null, None);
        }
        var second = Second();

        var listed = await ToListAsync(second.ListTagsAsync(None));

        Assert.That(listed.Select(t => t.Name), Is.EqualTo(names.Order(StringComparer.Ordinal)));
        var byName = names.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i % 2 == 0 ? root.Id : other.Id, StringComparer.Ordinal);
        Assert.That(listed.All(t => byName[t.Name] == t.CommitId), Is.True);
        Assert.That(await second.GetTagAsync(names[1], None), Is.EqualTo(other.Id));
        Assert.That(await second.GetTagAsync("missing", None), Is.Null);

        Assert.That(await DeleteTagAsync(second, names[1]), Is.True);
        Assert.That(await DeleteTagAsync(Store, names[1]), Is.False);
        Assert.That(await DeleteTagAsync(Store, "missing"), Is.False);
        Assert.That(await Store.GetTagAsync(names[1], None), Is.Null);
        Assert.That(await ToListAsync(Store.ListTagsAsync(None)), Has.Count.EqualTo(names.Count - 1));
        await Store.CreateTagAsync(names[1], root.Id, null, None);
        Assert.That(await second.GetTagAsync(names[1], None), Is.EqualTo(root.Id));
    }

    // ---- staged entries -----------------------------------------------------------------------------------------

    [Test]
    public async Task Stage_with_IfAbsentAtHead_writes_only_while_the_head_is_unchanged_and_nothing_live_is_staged()
    {
        var root = await InitAsync();
        var second = Second();

        Assert.That(await StageAsync(Store, "main", "new", "1", ifAbsentAtHead: root.Id), Is.EqualTo(StageResult.Staged));
        Assert.That(await StageAsync(second, "main", "new", "2", ifAbsentAtHead: root.Id), Is.EqualTo(StageResult.AlreadyExists));
        Assert.That(await EntryAsync(Store, "main", "new"), Is.EqualTo("1"), "a refused write changes nothing");

        // A tombstone is not a live entry; a frozen entry is.
        Assert.That(await StageAsync(Store, "main", "new", null), Is.EqualTo(StageResult.Staged));
        Assert.That(await StageAsync(second, "main", "new", "3", ifAbsentAtHead: root.Id), Is.EqualTo(StageResult.Staged));
        await Store.FreezeStagingAsync("main", None);
        Assert.That(await StageAsync(second, "main", "new", "4", ifAbsentAtHead: root.Id), Is.EqualTo(StageResult.AlreadyExists));
        Assert.That(await EntryAsync(second, "main", "new"), Is.EqualTo("3"));

        var moved = MakeCommit([root]);
        Assert.That(await Store.TryUpdateBranchAsync(new BranchUpdate("main", root.Id, moved.Id, moved, []), None), Is.True);
        Assert.That(await StageAsync(second, "main", "fresh", "5", ifAbsentAtHead: root.Id), Is.EqualTo(StageResult.HeadMoved));
        Assert.That((await Store.GetStagedAsync("main", P("fresh"), None)).Found, Is.False);
        Assert.That(await StageAsync(second, "main", "fresh", "5", ifAbsentAtHead: moved.Id), Is.EqualTo(StageResult.Staged));

        // Without the condition a write replaces whatever is staged.
        Assert.That(await StageAsync(Store, "main", "fresh", "6"), Is.EqualTo(StageResult.Staged));
        Assert.That(await EntryAsync(second, "main", "fresh"), Is.EqualTo("6"));
    }

    [Test]
    public async Task Hundreds_of_concurrent_stages_are_all_acknowledged_and_readable()
    {
        await InitAsync();
        await Store.CreateBranchAsync("other", (await Store.GetBranchAsync("main", None))!.Head, null, None);
        var second = Second();
        IRefStore[] stores = [Store, second];
        const int Threads = 16;
        const int PerThread = 40;
        const int Count = Threads * PerThread;
        // Threads released together, each issuing its writes without waiting for the previous one, so writes queue
        // behind one another and share transactions. Writes to a missing branch in the same batches fail alone.
        using var barrier = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(t => Task.Factory.StartNew(() =>
        {
            barrier.SignalAndWait();
            var writes = new List<Task<StageResult>>();
            for (var n = 0; n < PerThread; n++)
            {
                var i = t * PerThread + n;
                writes.Add(StageAsync(stores[t % 2], i % 3 == 0 ? "other" : "main", $"path/{i:D4}", i % 7 == 0 ? null : $"entry {i}"));
                if (n % 8 == 0)
                {
                    writes.Add(StageAsync(stores[t % 2], "missing", $"path/{i:D4}", "x"));
                }
            }
            return writes;
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToList();
        var all = (await Task.WhenAll(threads)).SelectMany(w => w).ToList();

        var results = await Task.WhenAll(all).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.That(results.Count(r => r == StageResult.Staged), Is.EqualTo(Count));
        Assert.That(results.Count(r => r == StageResult.BranchNotFound), Is.EqualTo(Threads * PerThread / 8));
        foreach (var store in stores)
        {
            for (var i = 0; i < Count; i++)
            {
                var lookup = await store.GetStagedAsync(i % 3 == 0 ? "other" : "main", P($"path/{i:D4}"), None);
                Assert.That(lookup.Found, Is.True, $"path/{i:D4}");
                Assert.That(Text(lookup.Entry), Is.EqualTo(i % 7 == 0 ? null : $"entry {i}"));
            }
            var main = (await store.GetBranchAsync("main", None))!;
            Assert.That(await ToListAsync(store.ScanStagedAsync(main.StagingToken, [], None)), Has.Count.EqualTo(Enumerable.Range(0, Count).Count(i => i % 3 != 0)));
            Assert.That(await store.GetBranchAsync("missing", None), Is.Null);
        }
    }

    [Test]
    public async Task GetStaged_reads_the_newest_area_first_and_finds_tombstones()
    {
        await InitAsync();
        await StageAsync(Store, "main", "a", "old");
        await StageAsync(Store, "main", "b", "old");
        await StageAsync(Store, "main", "only-frozen", "frozen");
        await Store.FreezeStagingAsync("main", None);
        await StageAsync(Store, "main", "a", "new");
        await StageAsync(Store, "main", "b", null);
        await StageAsync(Store, "main", "c", null);

        foreach (var store in (IRefStore[])[Store, Second()])
        {
            Assert.That(await EntryAsync(store, "main", "a"), Is.EqualTo("new"));
            Assert.That(await EntryAsync(store, "main", "only-frozen"), Is.EqualTo("frozen"));
            var b = await store.GetStagedAsync("main", P("b"), None);
            Assert.That((b.Found, b.Entry), Is.EqualTo((true, (byte[]?)null)), "a tombstone hides the frozen entry");
            var c = await store.GetStagedAsync("main", P("c"), None);
            Assert.That((c.Found, c.Entry), Is.EqualTo((true, (byte[]?)null)));
            var none = await store.GetStagedAsync("main", P("d"), None);
            Assert.That((none.Found, none.Entry), Is.EqualTo((false, (byte[]?)null)));
            Assert.That(none.Branch.Name, Is.EqualTo("main"));
            Assert.That(none.Branch.FrozenTokens, Has.Length.EqualTo(1));
            Assert.That((await store.GetStagedAsync("main", P("A"), None)).Found, Is.False, "paths are compared as bytes");
        }
    }

    [Test]
    public async Task Staged_rows_read_the_same_while_frozen_and_are_gone_once_retired()
    {
        var root = await InitAsync();
        var second = Second();
        await StageAsync(Store, "main", "a", "1");
        await StageAsync(Store, "main", "gone", null);
        // Both instances read (and may remember) the branch before the freeze.
        foreach (var store in (IRefStore[])[Store, second])
        {
            Assert.That(await EntryAsync(store, "main", "a"), Is.EqualTo("1"));
            Assert.That(await store.HasStagedAsync((await store.GetBranchAsync("main", None))!, None), Is.True);
        }

        var frozen = await Store.FreezeStagingAsync("main", None);

        foreach (var store in (IRefStore[])[Store, second])
        {
            var a = await store.GetStagedAsync("main", P("a"), None);
            Assert.That(Text(a.Entry), Is.EqualTo("1"));
            Assert.That(a.Branch.FrozenTokens, Is.EqualTo(frozen.FrozenTokens));
            Assert.That((await store.GetStagedAsync("main", P("gone"), None)).Found, Is.True);
            Assert.That(await store.HasStagedAsync(a.Branch, None), Is.True);
        }

        var commit = MakeCommit([root]);
        Assert.That(await second.TryUpdateBranchAsync(new BranchUpdate("main", root.Id, commit.Id, commit, frozen.FrozenTokens), None), Is.True);

        foreach (var store in (IRefStore[])[Store, second])
        {
            var a = await store.GetStagedAsync("main", P("a"), None);
            Assert.That(a.Found, Is.False);
            Assert.That(a.Branch.Head, Is.EqualTo(commit.Id));
            Assert.That(a.Branch.FrozenTokens, Is.Empty);
            Assert.That((await store.GetStagedAsync("main", P("gone"), None)).Found, Is.False);
            Assert.That(await store.HasStagedAsync(a.Branch, None), Is.False);
        }
    }

    [Test]
    public async Task HasStaged_counts_any_row_of_any_area_of_the_branch_given()
    {
        var root = await InitAsync();
        await Store.CreateBranchAsync("other", root.Id, null, None);
        var second = Second();
        var clean = (await Store.GetBranchAsync("main", None))!;
        Assert.That(await Store.HasStagedAsync(clean, None), Is.False);

        await StageAsync(second, "other", "x", "1");
        Assert.That(await Store.HasStagedAsync(clean, None), Is.False, "rows of another branch do not count");

        await StageAsync(second, "main", "t", null);
        Assert.That(await Store.HasStagedAsync(clean, None), Is.True, "a tombstone is a row");

        var frozen = await Store.FreezeStagingAsync("main", None);
        Assert.That(await second.HasStagedAsync(frozen, None), Is.True, "rows of a frozen area count");
        Assert.That(await second.HasStagedAsync(frozen with { FrozenTokens = [] }, None), Is.False, "only the areas of the record given count");
        // Also right after a read of the branch (which an instance may remember, with whether anything is staged).
        var read = await second.GetStagedAsync("main", P("t"), None);
        Assert.That(await second.HasStagedAsync(read.Branch, None), Is.True);
        Assert.That(await second.HasStagedAsync(read.Branch with { FrozenTokens = [] }, None), Is.False, "only the areas of the record given count");

        Assert.That(await Store.DropStagedAsync("main", P("t"), P("u"), None), Is.EqualTo(1));
        Assert.That(await second.HasStagedAsync(frozen, None), Is.False);
        Assert.That(await Store.HasStagedAsync((await Store.GetBranchAsync("main", None))!, None), Is.False);
    }

    [Test]
    public async Task ScanStaged_returns_the_rows_from_a_start_path_in_byte_order_across_several_pages()
    {
        await InitAsync();
        var random = new Random(42);
        var rows = new SortedDictionary<byte[], string?>(ByteKeyComparer.Instance);
        // Paths of bytes 1..255 (UTF-8 and beyond), including prefixes of one another.
        while (rows.Count < 2 * StagedPageSize + 101)
        {
            var path = new byte[random.Next(1, 6)];
            for (var i = 0; i < path.Length; i++)
            {
                path[i] = random.Next(4) == 0 ? (byte)random.Next(0x80, 0x100) : (byte)random.Next(0x2f, 0x33);
            }
            rows[path] = random.Next(5) == 0 ? null : "e" + rows.Count.ToString(CultureInfo.InvariantCulture);
        }
        var batch = rows.Select(r => Store.StageAsync(new StageRequest("main", r.Key, r.Value is null ? null : P(r.Value)), None)).ToList();
        Assert.That(await Task.WhenAll(batch), Has.All.EqualTo(StageResult.Staged));
        var token = (await Store.GetBranchAsync("main", None))!.StagingToken;
        var keys = rows.Keys.ToList();

        foreach (var store in (IRefStore[])[Store, Second()])
        {
            var all = await ToListAsync(store.ScanStagedAsync(token, [], None));
            Assert.That(all.Select(r => r.Path), Is.EqualTo(keys));
            Assert.That(all.Select(r => Text(r.Entry)), Is.EqualTo(rows.Values));

            var from = keys[keys.Count / 3];
            Assert.That((await ToListAsync(store.ScanStagedAsync(token, from, None))).Select(r => r.Path), Is.EqualTo(keys.Skip(keys.Count / 3)), "from a staged path, inclusive");
            byte[] between = [.. from, 0];
            Assert.That((await ToListAsync(store.ScanStagedAsync(token, between, None))).Select(r => r.Path), Is.EqualTo(keys.Skip(keys.Count / 3 + 1)), "from a path not staged");
            Assert.That(await ToListAsync(store.ScanStagedAsync(token, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff], None)), Is.Empty);
            Assert.That(await ToListAsync(store.ScanStagedAsync(token + 1_000_000, [], None)), Is.Empty, "a token with no rows");
        }
    }

    [Test]
    public async Task ScanStaged_holds_nothing_between_rows_so_writes_go_on_and_later_paths_are_seen()
    {
        var root = await InitAsync();
        var second = Second();
        var paths = Enumerable.Range(0, 2 * StagedPageSize + 10).Select(i => $"p/{i:D6}").ToList();
        Assert.That(await Task.WhenAll(paths.Select(p => StageAsync(Store, "main", p, "v"))), Has.All.EqualTo(StageResult.Staged));
        var token = (await Store.GetBranchAsync("main", None))!.StagingToken;
        var guard = TimeSpan.FromMinutes(2);

        var seen = new List<string>();
        await using (var scan = Store.ScanStagedAsync(token, [], None).GetAsyncEnumerator())
        {
            Assert.That(await scan.MoveNextAsync(), Is.True);
            seen.Add(Text(scan.Current.Path)!);

            // Writes by both instances while the scan is suspended mid-page: none may wait for the scan.
            Assert.That(await StageAsync(Store, "main", "q/after-all", "late").WaitAsync(guard), Is.EqualTo(StageResult.Staged));
            Assert.That(await StageAsync(second, "main", "p/000001-between", "late").WaitAsync(guard), Is.EqualTo(StageResult.Staged));
            Assert.That(await second.DropStagedAsync("main", P(paths[^5]), P(paths[^3]), None).AsTask().WaitAsync(guard), Is.EqualTo(2));
            var frozen = await second.FreezeStagingAsync("main", None).AsTask().WaitAsync(guard);
            await Store.CreateBranchAsync("during-scan", root.Id, null, None).AsTask().WaitAsync(guard);
            Assert.That(await second.DeleteTagAsync("none", null, None).AsTask().WaitAsync(guard), Is.False);
            Assert.That(frozen.FrozenTokens, Is.EqualTo(new[] { token }));

            while (await scan.MoveNextAsync())
            {
                seen.Add(Text(scan.Current.Path)!);
                if (seen.Count == StagedPageSize + 3)
                {
                    // Mid-scan again, in a later page.
                    Assert.That(await StageAsync(second, "main", "other", "x").WaitAsync(guard), Is.EqualTo(StageResult.Staged));
                }
            }
        }

        // Rows in pages not read yet reflect the writes; the scan is not a snapshot.
        Assert.That(seen, Has.Member("q/after-all"));
        Assert.That(seen, Has.No.Member(paths[^5]).And.No.Member(paths[^4]));
        Assert.That(seen, Is.Ordered.Using<string>(StringComparer.Ordinal));
        Assert.That(seen, Is.Unique);
        Assert.That(seen.Count(p => p.StartsWith("p/", StringComparison.Ordinal) && !p.EndsWith("between", StringComparison.Ordinal)), Is.EqualTo(paths.Count - 2));
    }

    [Test]
    public async Task DropStaged_drops_a_range_of_paths_in_every_area_of_the_branch()
    {
        var root = await InitAsync();
        await Store.CreateBranchAsync("other", root.Id, null, None);
        foreach (var p in (string[])["a", "b", "b/1", "c", "d"])
        {
            await StageAsync(Store, "main", p, "old");
            await StageAsync(Store, "other", p, "other");
        }
        await Store.FreezeStagingAsync("main", None);
        await StageAsync(Store, "main", "b", "new");
        await StageAsync(Store, "main", "c", null);
        await StageAsync(Store, "main", "e", "new");

        Assert.That(await Second().DropStagedAsync("main", P("b"), P("d"), None), Is.EqualTo(5));

        foreach (var store in (IRefStore[])[Store, Second()])
        {
            Assert.That(await EntryAsync(store, "main", "a"), Is.EqualTo("old"));
            Assert.That((await store.GetStagedAsync("main", P("b"), None)).Found, Is.False);
            Assert.That((await store.GetStagedAsync("main", P("b/1"), None)).Found, Is.False);
            Assert.That((await store.GetStagedAsync("main", P("c"), None)).Found, Is.False);
            Assert.That(await EntryAsync(store, "main", "d"), Is.EqualTo("old"), "the end of the range is exclusive");
            Assert.That(await EntryAsync(store, "main", "e"), Is.EqualTo("new"));
            Assert.That(await EntryAsync(store, "other", "b"), Is.EqualTo("other"), "other branches keep theirs");
        }
        Assert.That(await Store.DropStagedAsync("main", P("b"), P("d"), None), Is.Zero);
        Assert.That(await Store.DropStagedAsync("main", P("z"), P("a"), None), Is.Zero, "an empty range");
    }

    [Test]
    public async Task DropOrphanStaging_drops_rows_no_branch_refers_to_and_only_those()
    {
        var root = await InitAsync();
        await Store.CreateBranchAsync("other", root.Id, null, None);
        await StageAsync(Store, "main", "frozen", "1");
        await Store.FreezeStagingAsync("main", None);
        await StageAsync(Store, "main", "current", "2");
        await StageAsync(Store, "other", "o", "3");
        var tokens = new List<long>();
        await foreach (var branch in Store.ListBranchesAsync(None))
        {
            tokens.AddRange(branch.Tokens);
        }
        var orphan = tokens.Max() + 1_000;
        await AddOrphanRowsAsync(orphan, [P("x"), P("y")]);
        await AddOrphanRowsAsync(orphan + 1, [P("z")]);
        Assert.That(await ToListAsync(Store.ScanStagedAsync(orphan, [], None)), Has.Count.EqualTo(2), "the orphan rows are there before");

        await Second().DropOrphanStagingAsync(None);

        Assert.That(await ToListAsync(Store.ScanStagedAsync(orphan, [], None)), Is.Empty);
        Assert.That(await ToListAsync(Store.ScanStagedAsync(orphan + 1, [], None)), Is.Empty);
        Assert.That(await EntryAsync(Store, "main", "frozen"), Is.EqualTo("1"));
        Assert.That(await EntryAsync(Store, "main", "current"), Is.EqualTo("2"));
        Assert.That(await EntryAsync(Store, "other", "o"), Is.EqualTo("3"));
        await Store.DropOrphanStagingAsync(None);
        Assert.That(await EntryAsync(Store, "main", "frozen"), Is.EqualTo("1"));
    }

    // ---- read-your-writes across instances ----------------------------------------------------------------------

    [Test]
    public async Task A_read_after_another_instance_wrote_sees_the_write()
    {
        var root = await InitAsync();
        var a = Store;
        var b = Second();

        // a reads twice, so it may answer the second read from memory.
        for (var i = 0; i < 2; i++)
        {
            Assert.That((await a.GetStagedAsync("main", P("p"), None)).Found, Is.False);
            Assert.That((await a.GetBranchAsync("main", None))!.Head, Is.EqualTo(root.Id));
            Assert.That(await a.HasStagedAsync((await a.GetBranchAsync("main", None))!, None), Is.False);
        }
        await StageAsync(b, "main", "p", "1");
        Assert.That(await EntryAsync(a, "main", "p"), Is.EqualTo("1"));
        Assert.That(await a.HasStagedAsync((await a.GetBranchAsync("main", None))!, None), Is.True);

        await b.DropStagedAsync("main", P("p"), P("q"), None);
        Assert.That((await a.GetStagedAsync("main", P("p"), None)).Found, Is.False);
        Assert.That(await a.HasStagedAsync((await a.GetBranchAsync("main", None))!, None), Is.False);

        var next = MakeCommit([root]);
        await b.TryUpdateBranchAsync(new BranchUpdate("main", root.Id, next.Id, next, []), None);
        Assert.That((await a.GetBranchAsync("main", None))!.Head, Is.EqualTo(next.Id));
        Assert.That((await a.GetStagedAsync("main", P("p"), None)).Branch.Head, Is.EqualTo(next.Id));

        await b.CreateBranchAsync("temp", root.Id, null, None);
        Assert.That(await a.GetBranchAsync("temp", None), Is.Not.Null);
        Assert.That((await a.GetStagedAsync("temp", P("p"), None)).Found, Is.False);
        await b.DeleteBranchAsync("temp", null, None);
        Assert.That(await a.GetBranchAsync("temp", None), Is.Null);
        Assert.That(async () => await a.GetStagedAsync("temp", P("p"), None), Throws.InstanceOf<BranchNotFoundException>());
        Assert.That(await StageAsync(a, "temp", "p", "1"), Is.EqualTo(StageResult.BranchNotFound));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public async Task Reads_of_every_instance_see_every_acknowledged_write_in_random_interleavings(int seed)
    {
        var root = await InitAsync();
        IRefStore[] stores = [Store, Second(), Second()];
        var random = new Random(seed);
        string[] branches = ["main", "feature"];
        string[] paths = ["a", "b", "c/d"];
        var model = new Dictionary<string, BranchModel>(StringComparer.Ordinal) { ["main"] = new(root.Id) };
        var heads = new List<Commit> { root };
        var log = new List<string>();

        for (var step = 0; step < 400; step++)
        {
            var store = random.Next(stores.Length);
            var s = stores[store];
            var branch = branches[random.Next(branches.Length)];
            var path = paths[random.Next(paths.Length)];
            model.TryGetValue(branch, out var m);
            var op = random.Next(10);
            log.Add($"{step}: instance {store} op {op} {branch} {path}");
            var where = $"seed {seed}, step {step}: {string.Join("; ", log.TakeLast(6))}";
            switch (op)
            {
                case 0 or 1 or 2:
                    // Read the path (twice: the second read may come from memory).
                    for (var i = 0; i < 2; i++)
                    {
                        if (m is null)
                        {
                            Assert.That(async () => await s.GetStagedAsync(branch, P(path), None), Throws.InstanceOf<BranchNotFoundException>(), where);
                            continue;
                        }
                        var lookup = await s.GetStagedAsync(branch, P(path), None);
                        Assert.That(lookup.Branch.Head, Is.EqualTo(m.Head), where);
                        Assert.That(lookup.Found, Is.EqualTo(m.Staged.ContainsKey(path)), where);
                        Assert.That(Text(lookup.Entry), Is.EqualTo(m.Staged.GetValueOrDefault(path)), where);
                        Assert.That(await s.HasStagedAsync(lookup.Branch, None), Is.EqualTo(m.Staged.Count > 0), where);
                    }
                    break;
                case 3:
                    var record = await s.GetBranchAsync(branch, None);
                    Assert.That(record?.Head, Is.EqualTo(m?.Head), where);
                    if (record is not null)
                    {
                        Assert.That(await s.HasStagedAsync(record, None), Is.EqualTo(m!.Staged.Count > 0), where);
                    }
                    break;
                case 4 or 5:
                    var value = random.Next(4) == 0 ? null : "v" + step.ToString(CultureInfo.InvariantCulture);
                    var result = await StageAsync(s, branch, path, value);
                    Assert.That(result, Is.EqualTo(m is null ? StageResult.BranchNotFound : StageResult.Staged), where);
                    if (m is not null)
                    {
                        m.Staged[path] = value;
                    }
                    break;
                case 6:
                    // A commit: freeze, then move the head and retire what was frozen.
                    if (m is null)
                    {
                        break;
                    }
                    var frozen = await s.FreezeStagingAsync(branch, None);
                    var parent = heads.First(h => h.Id == m.Head);
                    var commit = MakeCommit([parent]);
                    Assert.That(await s.TryUpdateBranchAsync(new BranchUpdate(branch, m.Head, commit.Id, commit, frozen.FrozenTokens), None), Is.True, where);
                    heads.Add(commit);
                    m.Head = commit.Id;
                    m.Staged.Clear();
                    break;
                case 7:
                    // A freeze alone (a commit in flight): reads do not change.
                    if (m is not null)
                    {
                        await s.FreezeStagingAsync(branch, None);
                    }
                    break;
                case 8:
                    if (m is null)
                    {
                        var at = heads[random.Next(heads.Count)];
                        await s.CreateBranchAsync(branch, at.Id, null, None);
                        model[branch] = new BranchModel(at.Id);
                    }
                    else if (branch != "main")
                    {
                        await s.DeleteBranchAsync(branch, null, None);
                        model.Remove(branch);
                    }
                    break;
                default:
                    if (m is not null)
                    {
                        var dropped = await s.DropStagedAsync(branch, P(path), P(path + "\0"), None);
                        Assert.That(dropped > 0, Is.EqualTo(m.Staged.ContainsKey(path)), where);
                        m.Staged.Remove(path);
                    }
                    break;
            }
        }
    }

    [Test]
    public async Task Reads_racing_the_head_moves_of_another_instance_see_every_acknowledged_move()
    {
        var root = await InitAsync();
        var writer = Second();
        IRefStore[] readers = [Store, Second()];
        var heads = new List<Commit> { root };
        for (var i = 0; i < 300; i++)
        {
            heads.Add(MakeCommit([heads[^1]]));
        }
        var index = heads.Select((c, i) => (c.Id, i)).ToDictionary(p => p.Id, p => p.i, StringComparer.Ordinal);
        var acknowledged = 0;
        var done = 0;

        var write = Task.Factory.StartNew(async () =>
        {
            try
            {
                for (var i = 1; i < heads.Count; i++)
                {
                    Assert.That(await writer.TryUpdateBranchAsync(new BranchUpdate("main", heads[i - 1].Id, heads[i].Id, heads[i], []), None), Is.True);
                    Volatile.Write(ref acknowledged, i);
                }
            }
            finally
            {
                Volatile.Write(ref done, 1);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        var reads = readers.Select((reader, r) => Task.Factory.StartNew(async () =>
        {
            var count = 0;
            while (Volatile.Read(ref done) == 0)
            {
                var before = Volatile.Read(ref acknowledged);
                // Nothing is staged, so a store may answer both reads from what it remembers.
                var head = count % 2 == 0
                    ? (await reader.GetBranchAsync("main", None))!.Head
                    : (await reader.GetStagedAsync("main", P("p"), None)).Branch.Head;
                Assert.That(index[head], Is.GreaterThanOrEqualTo(before), $"reader {r}, read {count}: a read that started after move {before} was acknowledged");
                count++;
            }
            return count;
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()).ToList();

        await write;
        await Task.WhenAll(reads);
        foreach (var reader in readers)
        {
            Assert.That((await reader.GetBranchAsync("main", None))!.Head, Is.EqualTo(heads[^1].Id));
        }
    }

    private sealed class BranchModel(string head)
    {
        public string Head { get; set; } = head;

        public Dictionary<string, string?> Staged { get; } = new(StringComparer.Ordinal);
    }

    // ---- cancellation -------------------------------------------------------------------------------------------

    [Test]
    public async Task Every_operation_throws_OperationCanceledException_when_cancelled_before_it_starts()
    {
        var root = await InitAsync();
        await StageAsync(Store, "main", "a", "1");
        var main = (await Store.GetBranchAsync("main", None))!;
        var next = MakeCommit([root]);
        using var source = new CancellationTokenSource();
        await source.CancelAsync();
        var cancelled = source.Token;
        var operations = new Dictionary<string, Func<IRefStore, Task>>
        {
            ["InitializeAsync"] = s => s.InitializeAsync("other", "main", root, cancelled).AsTask(),
            ["GetDefaultBranchAsync"] = s => s.GetDefaultBranchAsync(cancelled).AsTask(),
            ["DropOrphanStagingAsync"] = s => s.DropOrphanStagingAsync(cancelled).AsTask(),
            ["GetCommitAsync"] = s => s.GetCommitAsync(root.Id, cancelled).AsTask(),
            ["InsertCommitAsync"] = s => s.InsertCommitAsync(next, cancelled).AsTask(),
            ["FindCommitIdsAsync"] = s => s.FindCommitIdsAsync("", 10, cancelled).AsTask(),
            ["WalkHistoryAsync"] = s => ToListAsync(s.WalkHistoryAsync(root.Id, false, cancelled)),
            ["WalkHistoryAsync, first parent"] = s => ToListAsync(s.WalkHistoryAsync(root.Id, true, cancelled)),
            ["FindMergeBasesAsync"] = s => s.FindMergeBasesAsync([root.Id], root.Id, cancelled).AsTask(),
            ["GetBranchAsync"] = s => s.GetBranchAsync("main", cancelled).AsTask(),
            ["BranchExistsAsync"] = s => s.BranchExistsAsync("main", cancelled).AsTask(),
            ["ListBranchesAsync"] = s => ToListAsync(s.ListBranchesAsync(cancelled)),
            ["CreateBranchAsync"] = s => s.CreateBranchAsync("new", root.Id, null, cancelled).AsTask(),
            ["DeleteBranchAsync"] = s => s.DeleteBranchAsync("main", null, cancelled).AsTask(),
            ["FreezeStagingAsync"] = s => s.FreezeStagingAsync("main", cancelled).AsTask(),
            ["TryUpdateBranchAsync"] = s => s.TryUpdateBranchAsync(new BranchUpdate("main", root.Id, next.Id, next, []), cancelled).AsTask(),
            ["GetTagAsync"] = s => s.GetTagAsync("t", cancelled).AsTask(),
            ["ListTagsAsync"] = s => ToListAsync(s.ListTagsAsync(cancelled)),
            ["CreateTagAsync"] = s => s.CreateTagAsync("t", root.Id, null, cancelled).AsTask(),
            ["DeleteTagAsync"] = s => s.DeleteTagAsync("t", null, cancelled).AsTask(),
            ["StageAsync"] = s => s.StageAsync(new StageRequest("main", P("b"), P("2")), cancelled),
            ["GetStagedAsync"] = s => s.GetStagedAsync("main", P("a"), cancelled).AsTask(),
            ["HasStagedAsync"] = s => s.HasStagedAsync(main, cancelled).AsTask(),
            ["ScanStagedAsync"] = s => ToListAsync(s.ScanStagedAsync(main.StagingToken, [], cancelled)),
            ["DropStagedAsync"] = s => s.DropStagedAsync("main", P("a"), P("z"), cancelled).AsTask(),
            ["AddBranchProtectionAsync"] = s => s.AddBranchProtectionAsync("main", _clock, null, cancelled).AsTask(),
            ["RemoveBranchProtectionAsync"] = s => s.RemoveBranchProtectionAsync("main", null, cancelled).AsTask(),
            ["GetBranchProtectionAsync"] = s => s.GetBranchProtectionAsync(cancelled).AsTask(),
            ["AppendAuditAsync"] = s => s.AppendAuditAsync([AuditOf(AuditAction.HookRun, "main", 0)], cancelled).AsTask(),
            ["ListAuditAsync"] = s => ToListAsync(s.ListAuditAsync(new AuditFilter(), cancelled)),
            ["FindHeadMoveAsync"] = s => s.FindHeadMoveAsync("main", GateTime, cancelled).AsTask(),

            ["GetRetentionAsync"] = s => s.GetRetentionAsync(cancelled).AsTask(),
            ["SetRetentionAsync"] = s => s.SetRetentionAsync(new RetentionRules(1), cancelled).AsTask(),
            ["ListCommitIdsAsync"] = s => ToListAsync(s.ListCommitIdsAsync(cancelled)),
            ["MarkCommitsExpiredAsync"] = s => s.MarkCommitsExpiredAsync([next.Id], _clock, cancelled).AsTask(),
            ["IsCommitExpiredAsync"] = s => s.IsCommitExpiredAsync(root.Id, cancelled).AsTask(),
            ["GetCleanPartitionsAsync"] = s => s.GetCleanPartitionsAsync(cancelled).AsTask(),
            ["UpdatePartitionsAsync"] = s => s.UpdatePartitionsAsync(["2026010100"], [], cancelled).AsTask(),
        };

        foreach (var store in (IRefStore[])[Store, Second()])
        {
            // Warm what an instance may keep in memory, so a cancelled call cannot pass for a cache hit.
            await ToListAsync(store.WalkHistoryAsync(root.Id, false, None));
            await store.GetStagedAsync("main", P("a"), None);
            await store.HasStagedAsync(main, None);
            await store.BranchExistsAsync("main", None);
            await store.IsCommitExpiredAsync(root.Id, None);
            foreach (var (name, operation) in operations)
            {
                Assert.That(async () => await operation(store), Throws.InstanceOf<OperationCanceledException>(), name);
            }
        }

        // Nothing was written.
        var after = (await Second().GetBranchAsync("main", None))!;
        Assert.That(after.Head, Is.EqualTo(root.Id));
        Assert.That(after.SameTokens(main), Is.True);
        Assert.That(await Second().GetCommitAsync(next.Id, None), Is.Null);
        Assert.That(await Second().GetBranchAsync("new", None), Is.Null);
        Assert.That(await Second().GetTagAsync("t", None), Is.Null);
        Assert.That(await EntryAsync(Second(), "main", "a"), Is.EqualTo("1"));
        Assert.That((await Second().GetStagedAsync("main", P("b"), None)).Found, Is.False);
        Assert.That(await Second().GetRetentionAsync(None), Is.Null);
        Assert.That(await Second().GetCleanPartitionsAsync(None), Is.Empty);
    }

    // ---- branch protection and the audit log ----------------------------------------------------------------------

    private static readonly DateTimeOffset GateTime = new(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task Rules_are_added_once_listed_by_pattern_and_removed_by_exact_pattern()
    {
        var store = Store;
        await InitAsync();
        Assert.That(await store.GetBranchProtectionAsync(None), Is.Empty);

        Assert.That(await store.AddBranchProtectionAsync("release-*", GateTime, null, None), Is.True);
        Assert.That(await store.AddBranchProtectionAsync("main", GateTime.AddMinutes(1), null, None), Is.True);
        Assert.That(await store.AddBranchProtectionAsync("main", GateTime.AddMinutes(2), null, None), Is.False);

        Assert.That(await store.GetBranchProtectionAsync(None), Is.EqualTo(new[]
        {
            new BranchProtectionRule { Pattern = "main", Created = GateTime.AddMinutes(1) },
            new BranchProtectionRule { Pattern = "release-*", Created = GateTime },
        }));
        Assert.That(await store.RemoveBranchProtectionAsync("release-1", null, None), Is.False);
        Assert.That(await store.RemoveBranchProtectionAsync("release-*", null, None), Is.True);
        Assert.That(await store.RemoveBranchProtectionAsync("release-*", null, None), Is.False);
        Assert.That((await store.GetBranchProtectionAsync(None)).Select(r => r.Pattern), Is.EqualTo(new[] { "main" }));
    }

    [Test]
    public async Task A_second_instance_sees_every_add_and_remove_at_once_even_after_reading_the_rules()
    {
        var first = Store;
        await InitAsync();
        var second = Second();
        Assert.That(await second.GetBranchProtectionAsync(None), Is.Empty);

        await first.AddBranchProtectionAsync("main", GateTime, null, None);
        Assert.That((await second.GetBranchProtectionAsync(None)).Select(r => r.Pattern), Is.EqualTo(new[] { "main" }));

        // Unrelated writes in between do not stop the reader from seeing the next rule change.
        await first.CreateBranchAsync("dev", (await first.GetBranchAsync("main", None))!.Head, null, None);
        Assert.That((await second.GetBranchProtectionAsync(None)).Select(r => r.Pattern), Is.EqualTo(new[] { "main" }));
        await second.RemoveBranchProtectionAsync("main", null, None);
        Assert.That(await first.GetBranchProtectionAsync(None), Is.Empty);
        await second.AddBranchProtectionAsync("dev", GateTime, null, None);
        Assert.That((await first.GetBranchProtectionAsync(None)).Select(r => r.Pattern), Is.EqualTo(new[] { "dev" }));
    }

    [Test]
    public async Task A_staged_write_to_a_branch_a_rule_covers_is_refused_inside_the_write_and_leaves_no_row()
    {
        var store = Store;
        var root = await InitAsync();
        string[] branches = ["release-1/x", "a_b", "axb", "ab"];
        foreach (var branch in branches)
        {
            await store.CreateBranchAsync(branch, root.Id, null, None);
        }
        // Read by the second instance before the rules exist: the write must not trust what a caller read earlier.
        var second = Second();
        Assert.That(await second.GetBranchProtectionAsync(None), Is.Empty);
        await store.AddBranchProtectionAsync("rel?ase-*", GateTime, null, None);
        await store.AddBranchProtectionAsync("a_b", GateTime, null, None);

        foreach (var writer in (IRefStore[])[store, second])
        {
            // '*' spans slashes, '?' is one character, '_' is itself (not "any character", as in SQL's LIKE).
            var plain = await Task.WhenAll(branches.Select(b => StageAsync(writer, b, "p", "v")));
            Assert.That(plain, Is.EqualTo(new[] { StageResult.Protected, StageResult.Protected, StageResult.Staged, StageResult.Staged }));
            var conditional = await Task.WhenAll(branches.Select(b => StageAsync(writer, b, writer == store ? "q1" : "q2", "v", ifAbsentAtHead: root.Id)));
            Assert.That(conditional, Is.EqualTo(new[] { StageResult.Protected, StageResult.Protected, StageResult.Staged, StageResult.Staged }));
            Assert.That(await StageAsync(writer, "missing", "p", "v"), Is.EqualTo(StageResult.BranchNotFound));
        }
        foreach (var branch in branches)
        {
            Assert.That(await store.HasStagedAsync((await store.GetBranchAsync(branch, None))!, None), Is.EqualTo(branch is "axb" or "ab"), branch);
        }

        await second.RemoveBranchProtectionAsync("a_b", null, None);
        Assert.That(await StageAsync(store, "a_b", "p", "v"), Is.EqualTo(StageResult.Staged));
    }

    [Test]
    public async Task A_lookup_of_a_branch_that_does_not_exist_is_null()
    {
        var root = await InitAsync();
        await Store.CreateTagAsync("v1", root.Id, null, None);
        foreach (var store in (IRefStore[])[Store, Second()])
        {
            Assert.That(await store.TryGetStagedAsync("v1", P("a"), None), Is.Null, "a tag is not a branch");
            Assert.That(await store.TryGetStagedAsync("nope", P("a"), None), Is.Null);
            Assert.That(await store.TryGetStagedAsync("nope", P("a"), None), Is.Null, "asked again (a store may remember)");
            Assert.That((await store.TryGetStagedAsync("main", P("a"), None))?.Branch.Name, Is.EqualTo("main"));
        }
        await Store.CreateBranchAsync("nope", root.Id, null, None);
        Assert.That((await Second().TryGetStagedAsync("nope", P("a"), None))?.Branch.Head, Is.EqualTo(root.Id), "created since it was asked for");
    }

    private static AuditRecord AuditOf(AuditAction action, string @ref, int minute, string? detail = null) =>
        new()
        {
            Sequence = 0,
            Time = GateTime.AddMinutes(minute),
            Actor = "tests",
            Action = action,
            Ref = @ref,
            Before = null,
            After = null,
            Detail = detail,
        };

    [Test]
    public async Task Audit_records_come_with_their_change_only_and_in_order()
    {
        var store = Store;
        await InitAsync();
        var first = (await store.GetBranchAsync("main", None))!.Head;
        await store.CreateBranchAsync("dev", first, AuditOf(AuditAction.CreateBranch, "dev", 1, "main"), None);
        Assert.ThrowsAsync<BranchAlreadyExistsException>(async () =>
            await store.CreateBranchAsync("dev", first, AuditOf(AuditAction.CreateBranch, "dev", 2), None));
        await store.CreateTagAsync("v1", first, AuditOf(AuditAction.CreateTag, "v1", 3), None);
        Assert.That(await store.DeleteTagAsync("v1", AuditOf(AuditAction.DeleteTag, "v1", 4), None), Is.True);
        Assert.That(await store.DeleteTagAsync("v1", AuditOf(AuditAction.DeleteTag, "v1", 5), None), Is.False);
        var lost = new BranchUpdate("dev", "not-the-head", first, null, []) { Audit = AuditOf(AuditAction.Commit, "dev", 6) };
        Assert.That(await store.TryUpdateBranchAsync(lost, None), Is.False);
        var won = new BranchUpdate("dev", first, first, null, []) { Audit = AuditOf(AuditAction.Reset, "dev", 7) };
        Assert.That(await store.TryUpdateBranchAsync(won, None), Is.True);
        await store.AddBranchProtectionAsync("dev", GateTime, AuditOf(AuditAction.ProtectBranches, "dev", 8), None);
        await store.AddBranchProtectionAsync("dev", GateTime, AuditOf(AuditAction.ProtectBranches, "dev", 9), None);
        await store.AppendAuditAsync([AuditOf(AuditAction.HookRun, "dev", 10) with { Hook = new HookRun
        {
            Hook = "h",
            Event = HookEvent.PreCommit,
            Ref = "dev",
            Succeeded = false,
            Reason = "no",
            Duration = TimeSpan.FromSeconds(2),
        } }], None);
        await store.DeleteBranchAsync("dev", AuditOf(AuditAction.DeleteBranch, "dev", 11), None);

        var log = await ToListAsync(store.ListAuditAsync(new AuditFilter(), None));
        Assert.That(log.Select(r => (r.Action, r.Time.Minute)), Is.EqualTo(new[]
        {
            (AuditAction.CreateBranch, 1), (AuditAction.CreateTag, 3), (AuditAction.DeleteTag, 4), (AuditAction.Reset, 7),
            (AuditAction.ProtectBranches, 8), (AuditAction.HookRun, 10), (AuditAction.DeleteBranch, 11),
        }));
        Assert.That(log.Select(r => r.Sequence), Is.Ordered.Ascending.And.Unique);
        Assert.That(log[0].Detail, Is.EqualTo("main"));
        Assert.That(log[2].Before, Is.EqualTo(first), "a delete records what the tag named");
        Assert.That(log[5].Hook, Is.EqualTo(new HookRun
        {
            Hook = "h",
            Event = HookEvent.PreCommit,
            Ref = "dev",
            Succeeded = false,
            Reason = "no",
            Duration = TimeSpan.FromSeconds(2),
        }));
        Assert.That(log[6].Before, Is.EqualTo(first), "a delete records the branch's head");
        Assert.That(await ToListAsync(store.ListAuditAsync(new AuditFilter { Ref = "v1" }, None)), Is.EqualTo(log.Skip(1).Take(2)));
        Assert.That(await ToListAsync(store.ListAuditAsync(new AuditFilter { AfterSequence = log[4].Sequence }, None)), Is.EqualTo(log.Skip(5)));
        Assert.That(await ToListAsync(store.ListAuditAsync(new AuditFilter { Since = GateTime.AddMinutes(4), Until = GateTime.AddMinutes(8) }, None)),
            Is.EqualTo(log.Skip(2).Take(2)));
    }

    [Test]
    public async Task A_reader_that_continues_after_the_last_sequence_it_saw_misses_no_record_appended_concurrently()
    {
        // Sequences must increase in commit order: a record whose sequence is lower than one already read, committed
        // later, would be skipped by every reader that continues with AfterSequence (as refs by time and tail readers do).
        await InitAsync();
        var second = Second();
        using var start = new Barrier(7);
        var writing = 6;
        var writers = Enumerable.Range(0, 6).Select(w => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            try
            {
                var store = w % 2 == 0 ? Store : second;
                for (var i = 0; i < 60; i++)
                {
                    store.AppendAuditAsync([AuditOf(AuditAction.HookRun, "w" + w.ToString(CultureInfo.InvariantCulture), i % 60)], None).AsTask().GetAwaiter().GetResult();
                }
            }
            finally
            {
                Interlocked.Decrement(ref writing);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        var seen = new List<long>();
        var reader = Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            var last = 0L;
            while (true)
            {
                var done = Volatile.Read(ref writing) == 0;
                foreach (var record in ToListAsync(second.ListAuditAsync(new AuditFilter { AfterSequence = last }, None)).GetAwaiter().GetResult())
                {
                    seen.Add(record.Sequence);
                    last = record.Sequence;
                }
                if (done)
                {
                    return;
                }
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await Task.WhenAll([.. writers, reader]);

        var all = (await ToListAsync(Store.ListAuditAsync(new AuditFilter(), None))).Select(r => r.Sequence).ToList();
        Assert.That(all, Has.Count.EqualTo(360));
        Assert.That(seen, Is.EqualTo(all), "the reader saw every record, each once, in sequence order");
    }

    [Test]
    public async Task The_head_move_at_a_time_is_the_latest_at_or_before_it_skipping_hook_runs_and_tags()
    {
        var store = Store;
        var root = await InitAsync();
        var c1 = MakeCommit([root]);
        var c2 = MakeCommit([c1]);
        Assert.That(await store.FindHeadMoveAsync("dev", GateTime.AddYears(1), None), Is.Null, "nothing recorded");

        await store.CreateBranchAsync("dev", root.Id, AuditOf(AuditAction.CreateBranch, "dev", 1) with { After = root.Id }, None);
        await store.AppendAuditAsync([AuditOf(AuditAction.HookRun, "dev", 2) with { Hook = new HookRun
        {
            Hook = "h",
            Event = HookEvent.PreCommit,
            Ref = "dev",
            Succeeded = true,
            Reason = null,
            Duration = TimeSpan.Zero,
        } }], None);
        Assert.That(await store.TryUpdateBranchAsync(new BranchUpdate("dev", root.Id, c1.Id, c1, [])
        {
            Audit = AuditOf(AuditAction.Commit, "dev", 3) with { Before = root.Id, After = c1.Id },
        }, None), Is.True);
        // Two moves at one instant: the later one (by sequence) is the head at that instant.
        Assert.That(await store.TryUpdateBranchAsync(new BranchUpdate("dev", c1.Id, c2.Id, c2, [])
        {
            Audit = AuditOf(AuditAction.Merge, "dev", 5) with { Before = c1.Id, After = c2.Id },
        }, None), Is.True);
        Assert.That(await store.TryUpdateBranchAsync(new BranchUpdate("dev", c2.Id, c1.Id, null, [])
        {
            Audit = AuditOf(AuditAction.Revert, "dev", 5) with { Before = c2.Id, After = c1.Id },
        }, None), Is.True);
        await store.AppendAuditAsync([AuditOf(AuditAction.HookRun, "dev", 6) with { Hook = new HookRun
        {
            Hook = "h",
            Event = HookEvent.PreCommit,
            Ref = "dev",
            Succeeded = true,
            Reason = null,
            Duration = TimeSpan.Zero,
        } }], None);
        await store.DeleteBranchAsync("dev", AuditOf(AuditAction.DeleteBranch, "dev", 7), None);
        // The name as a tag, then as a branch again.
        await store.CreateTagAsync("dev", c2.Id, AuditOf(AuditAction.CreateTag, "dev", 8) with { After = c2.Id }, None);
        await store.DeleteTagAsync("dev", AuditOf(AuditAction.DeleteTag, "dev", 9), None);
        await store.CreateBranchAsync("dev", c2.Id, AuditOf(AuditAction.CreateBranch, "dev", 10) with { After = c2.Id }, None);
        // Another branch's moves never answer for this one.
        await store.CreateBranchAsync("other", c1.Id, AuditOf(AuditAction.CreateBranch, "other", 0) with { After = c1.Id }, None);

        async Task<(AuditAction, string?)?> At(TimeSpan t, IRefStore s) =>
            await s.FindHeadMoveAsync("dev", GateTime + t, None) is { } r ? (r.Action, r.After) : null;
        foreach (var s in (IRefStore[])[store, Second()])
        {
            Assert.That(await At(TimeSpan.FromMinutes(1) - TimeSpan.FromTicks(1), s), Is.Null, "before the first move");
            Assert.That(await At(TimeSpan.FromMinutes(1), s), Is.EqualTo((AuditAction.CreateBranch, root.Id)), "the bound is inclusive");
            Assert.That(await At(TimeSpan.FromMinutes(2.5), s), Is.EqualTo((AuditAction.CreateBranch, root.Id)), "a hook run is no move");
            Assert.That(await At(TimeSpan.FromMinutes(4), s), Is.EqualTo((AuditAction.Commit, c1.Id)));
            Assert.That(await At(TimeSpan.FromMinutes(5), s), Is.EqualTo((AuditAction.Revert, c1.Id)), "equal times: the higher sequence");
            Assert.That(await At(TimeSpan.FromMinutes(6.5), s), Is.EqualTo((AuditAction.Revert, c1.Id)));
            Assert.That(await At(TimeSpan.FromMinutes(7), s), Is.EqualTo((AuditAction.DeleteBranch, (string?)null)));
            Assert.That(await At(TimeSpan.FromMinutes(9.5), s), Is.EqualTo((AuditAction.DeleteBranch, (string?)null)), "tag records are not branch moves");
            Assert.That(await At(TimeSpan.FromDays(1), s), Is.EqualTo((AuditAction.CreateBranch, c2.Id)));
            var found = await s.FindHeadMoveAsync("dev", GateTime.AddMinutes(3), None);
            Assert.That(found, Is.EqualTo((await ToListAsync(s.ListAuditAsync(new AuditFilter { Ref = "dev", Action = AuditAction.Commit }, None))).Single()),
                "the whole record, as the listing reads it");
        }
    }

    // ---- retention and garbage collection ---------------------------------------------------------------------

    [Test]
    public async Task Retention_rules_read_back_from_every_instance_and_are_replaced_as_a_whole()
    {
        await InitAsync();
        Assert.That(await Store.GetRetentionAsync(None), Is.Null, "no rules until some are set");

        var rules = new RetentionRules(7) { BranchDays = new Dictionary<string, int>(StringComparer.Ordinal) { ["dev"] = 30, ["feature/ünï"] = 0 } };
        await Store.SetRetentionAsync(rules, None);
        foreach (var store in (IRefStore[])[Store, Second()])
        {
            var read = await store.GetRetentionAsync(None);
            Assert.That(read, Is.EqualTo(rules));
            Assert.That(read!.DaysFor("dev"), Is.EqualTo(30));
            Assert.That(read.DaysFor("feature/ünï"), Is.EqualTo(0));
            Assert.That(read.DaysFor("main"), Is.EqualTo(7));
        }

        await Second().SetRetentionAsync(new RetentionRules(3), None);
        var replaced = await Store.GetRetentionAsync(None);
        Assert.That(replaced, Is.EqualTo(new RetentionRules(3)));
        Assert.That(replaced!.BranchDays, Is.Empty, "the overrides went with the old rules");

        await Store.SetRetentionAsync(null, None);
        Assert.That(await Second().GetRetentionAsync(None), Is.Null);
    }

    [Test]
    public async Task ListCommitIds_lists_every_stored_commit_not_expired_by_id_over_several_pages()
    {
        var root = await InitAsync();
        var ids = new List<string> { root.Id };
        var head = root;
        for (var i = 0; i < 2 * ListPageSize + 1; i++)
        {
            head = await InsertAsync(head);
            ids.Add(head.Id);
        }
        ids.Sort(StringComparer.Ordinal);
        Assert.That(await ToListAsync(Second().ListCommitIdsAsync(None)), Is.EqualTo(ids));

        string[] expire = [ids[0], ids[ListPageSize], ids[^1]];
        Assert.That(await Store.MarkCommitsExpiredAsync(expire, _clock, None), Is.EqualTo(expire));
        Assert.That(await ToListAsync(Second().ListCommitIdsAsync(None)), Is.EqualTo(ids.Except(expire)));
    }

    [Test]
    public async Task MarkCommitsExpired_marks_stored_unmarked_commits_no_ref_names_and_returns_them_in_the_order_given()
    {
        var root = await InitAsync();
        var a = await InsertAsync(root);
        var b = await InsertAsync(a);
        var c = await InsertAsync(b);
        var tagged = await InsertAsync(c);
        var head = await InsertAsync(tagged);
        await Store.TryUpdateBranchAsync(new BranchUpdate("main", root.Id, head.Id, null, []), None);
        await Store.CreateTagAsync("keep", tagged.Id, null, None);
        var second = Second();
        Assert.That(await second.IsCommitExpiredAsync(b.Id, None), Is.False, "read (and perhaps remembered) before the mark");

        var unknown = MakeCommit([head]);
        var marked = await Store.MarkCommitsExpiredAsync([c.Id, unknown.Id, head.Id, tagged.Id, b.Id, a.Id, c.Id], GateTime, None);

        Assert.That(marked, Is.EqualTo(new[] { c.Id, b.Id, a.Id }), "not the unknown id, the head, the tagged commit, nor c twice");
        Assert.That(await Store.MarkCommitsExpiredAsync([a.Id, b.Id], GateTime, None), Is.Empty, "marked already");
        foreach (var store in (IRefStore[])[Store, second])
        {
            foreach (var expired in (Commit[])[a, b, c])
            {
                Assert.That(await store.IsCommitExpiredAsync(expired.Id, None), Is.True);
                AssertSameCommit((await store.GetCommitAsync(expired.Id, None))!, expired);
            }
            foreach (var live in (Commit[])[root, tagged, head])
            {
                Assert.That(await store.IsCommitExpiredAsync(live.Id, None), Is.False);
            }
            Assert.That(await store.IsCommitExpiredAsync(unknown.Id, None), Is.False, "an id the store does not hold");
            Assert.That(await IdsAsync(store.WalkHistoryAsync(head.Id, firstParent: true, None)), Is.EqualTo(new[] { head.Id, tagged.Id, c.Id, b.Id, a.Id, root.Id }),
                "walks go through expired commits");
            Assert.That(await store.GetCommitAsync(unknown.Id, None), Is.Null, "marking stores nothing");
        }
    }

    [Test]
    public async Task No_branch_or_tag_can_be_made_to_point_at_an_expired_commit()
    {
        var root = await InitAsync();
        var old = await InsertAsync(root);
        var head = await InsertAsync(old);
        await Store.TryUpdateBranchAsync(new BranchUpdate("main", root.Id, head.Id, null, []), None);
        Assert.That(await Store.MarkCommitsExpiredAsync([old.Id, root.Id], GateTime, None), Is.EqualTo(new[] { old.Id, root.Id }));
        var second = Second();
        await StageAsync(second, "main", "a", "1");
        var frozen = await second.FreezeStagingAsync("main", None);

        foreach (var store in (IRefStore[])[Store, second])
        {
            var onBranch = Assert.ThrowsAsync<CommitExpiredException>(async () => await store.CreateBranchAsync("dev", old.Id, AuditOf(AuditAction.CreateBranch, "dev", 1), None));
            Assert.That(onBranch!.CommitId, Is.EqualTo(old.Id));
            Assert.ThrowsAsync<CommitExpiredException>(async () => await store.CreateTagAsync("v1", root.Id, AuditOf(AuditAction.CreateTag, "v1", 2), None));
            Assert.ThrowsAsync<CommitExpiredException>(async () =>
                await store.TryUpdateBranchAsync(new BranchUpdate("main", head.Id, old.Id, null, frozen.FrozenTokens) { Audit = AuditOf(AuditAction.Reset, "main", 3) }, None));
            var child = MakeCommit([old]);
            Assert.ThrowsAsync<CommitExpiredException>(async () => await store.TryUpdateBranchAsync(new BranchUpdate("main", head.Id, old.Id, child, []), None));
        }

        Assert.That(await Store.GetBranchAsync("dev", None), Is.Null);
        Assert.That(await Store.GetTagAsync("v1", None), Is.Null);
        var main = (await Store.GetBranchAsync("main", None))!;
        Assert.That(main.Head, Is.EqualTo(head.Id));
        Assert.That(main.FrozenTokens, Is.EqualTo(frozen.FrozenTokens), "a refused update retires nothing");
        Assert.That(await ToListAsync(Store.ListAuditAsync(new AuditFilter(), None)), Is.Empty, "a refused change leaves no record");
        // Retiring only (the head stays) and moving to a live commit still work.
        Assert.That(await Store.TryUpdateBranchAsync(new BranchUpdate("main", head.Id, head.Id, null, frozen.FrozenTokens), None), Is.True);
        var next = MakeCommit([head]);
        Assert.That(await Store.TryUpdateBranchAsync(new BranchUpdate("main", head.Id, next.Id, next, []), None), Is.True);
    }

    [Test]
    public async Task Marks_racing_refs_to_the_same_commits_leave_no_ref_at_an_expired_commit()
    {
        var root = await InitAsync();
        var second = Second();
        var commits = new List<Commit>();
        for (var i = 0; i < 20; i++)
        {
            commits.Add(await InsertAsync(root));
        }
        for (var round = 0; round < commits.Count; round++)
        {
            var target = commits[round];
            var name = "r" + round.ToString(CultureInfo.InvariantCulture);
            using var barrier = new Barrier(2);
            var mark = Task.Factory.StartNew(() =>
            {
                barrier.SignalAndWait();
                return Store.MarkCommitsExpiredAsync([target.Id], GateTime, None).AsTask();
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
            var point = Task.Factory.StartNew(async () =>
            {
                barrier.SignalAndWait();
                try
                {
                    if (round % 2 == 0)
                    {
                        await second.CreateBranchAsync(name, target.Id, null, None);
                    }
                    else
                    {
                        await second.CreateTagAsync(name, target.Id, null, None);
                    }
                    return true;
                }
                catch (CommitExpiredException)
                {
                    return false;
                }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
            var marked = (await mark).Count == 1;
            var pointed = await point;

            Assert.That(marked, Is.Not.EqualTo(pointed), $"round {round}: exactly one of the mark and the ref wins");
            Assert.That(await Store.IsCommitExpiredAsync(target.Id, None), Is.EqualTo(marked));
            var refTarget = round % 2 == 0 ? (await Store.GetBranchAsync(name, None))?.Head : await Store.GetTagAsync(name, None);
            Assert.That(refTarget, Is.EqualTo(pointed ? target.Id : null));
        }
    }

    [Test]
    public async Task Clean_partitions_are_recorded_and_forgotten_with_dirty_winning()
    {
        await InitAsync();
        Assert.That(await Store.GetCleanPartitionsAsync(None), Is.Empty);

        await Store.UpdatePartitionsAsync(["2026120211", "2026010100", "2026063023"], [], None);
        await Store.UpdatePartitionsAsync(["2026010100"], ["2025010100"], None);
        Assert.That(await Second().GetCleanPartitionsAsync(None), Is.EqualTo(new[] { "2026010100", "2026063023", "2026120211" }));

        await Second().UpdatePartitionsAsync(["2026070100", "2026120211"], ["2026120211", "2026010100"], None);
        Assert.That(await Store.GetCleanPartitionsAsync(None), Is.EqualTo(new[] { "2026063023", "2026070100" }));
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    /// <summary>Initializes <see cref="Store"/> with branch main at a first commit, which it returns.</summary>
    private async Task<Commit> InitAsync()
    {
        var root = MakeCommit([]);
        await Store.InitializeAsync("repository", "main", root, None);
        return root;
    }

    private DateTimeOffset T(int seconds) => new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(seconds);

    /// <summary>A new commit on <paramref name="parents"/>, one second after the last one made, not stored.</summary>
    private Commit MakeCommit(IReadOnlyList<Commit> parents, DateTimeOffset? at = null, string? message = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        _made++;
        _clock = _clock.AddSeconds(1);
        var created = at ?? _clock;
        message ??= "commit " + _made.ToString(CultureInfo.InvariantCulture);
        var sorted = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["n"] = _made.ToString(CultureInfo.InvariantCulture) };
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            sorted[key] = value;
        }
        string[] ids = [.. parents.Select(p => p.Id)];
        var tree = "metarange-" + _made.ToString(CultureInfo.InvariantCulture);
        return new Commit
        {
            Id = CommitId.Compute(ids, tree, message, "tester <t@example.org>", created, sorted),
            Parents = ids,
            MetaRangeId = tree,
            Message = message,
            Committer = "tester <t@example.org>",
            CreationDate = created,
            Metadata = sorted,
            Generation = parents.Count == 0 ? 1 : 1 + parents.Max(p => p.Generation),
        };
    }

    private async Task<Commit> InsertAsync(params Commit[] parents) => await InsertAsync(parents, null);

    private async Task<Commit> InsertAsync(Commit[] parents, DateTimeOffset? at = null, string? message = null)
    {
        var commit = MakeCommit(parents, at, message);
        await Store.InsertCommitAsync(commit, None);
        return commit;
    }

    private static void AssertSameCommit(Commit actual, Commit expected)
    {
        Assert.That(actual.Id, Is.EqualTo(expected.Id));
        Assert.That(actual.Parents, Is.EqualTo(expected.Parents));
        Assert.That(actual.MetaRangeId, Is.EqualTo(expected.MetaRangeId));
        Assert.That(actual.Message, Is.EqualTo(expected.Message));
        Assert.That(actual.Committer, Is.EqualTo(expected.Committer));
        Assert.That(actual.CreationDate, Is.EqualTo(expected.CreationDate));
        Assert.That(actual.CreationDate.UtcTicks, Is.EqualTo(expected.CreationDate.UtcTicks));
        Assert.That(actual.Metadata, Is.EquivalentTo(expected.Metadata));
        Assert.That(actual.Metadata.Keys, Is.Ordered.Using<string>(StringComparer.Ordinal), "metadata sorted by key");
        Assert.That(actual.Generation, Is.EqualTo(expected.Generation));
        Assert.That(CommitId.Compute(actual.Parents, actual.MetaRangeId, actual.Message, actual.Committer, actual.CreationDate, actual.Metadata), Is.EqualTo(actual.Id),
            "the commit read back hashes to its id");
    }

    private static async Task<List<string>> BaseIdsAsync(IRefStore store, IReadOnlyList<string> left, string right) =>
        [.. (await store.FindMergeBasesAsync(left, right, None)).Select(c => c.Id)];

    private static byte[] P(string text) => Encoding.UTF8.GetBytes(text);

    private static string? Text(byte[]? bytes) => bytes is null ? null : Encoding.UTF8.GetString(bytes);

    private static Task<StageResult> StageAsync(IRefStore store, string branch, string path, string? entry, string? ifAbsentAtHead = null) =>
        store.StageAsync(new StageRequest(branch, P(path), entry is null ? null : P(entry), ifAbsentAtHead), None);

    /// <summary>The staged entry at the path as text; fails when nothing is staged there or it is a tombstone.</summary>
    private static async Task<string> EntryAsync(IRefStore store, string branch, string path)
    {
        var lookup = await store.GetStagedAsync(branch, P(path), None);
        Assert.That(lookup.Found, Is.True, $"something is staged at '{path}' on '{branch}'");
        Assert.That(lookup.Entry, Is.Not.Null, $"the row at '{path}' on '{branch}' is an entry, not a tombstone");
        return Text(lookup.Entry)!;
    }

    private static async Task<bool> DeleteTagAsync(IRefStore store, string name) => await store.DeleteTagAsync(name, null, None);

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }
        return list;
    }

    private static async Task<List<string>> IdsAsync(IAsyncEnumerable<Commit> commits) => [.. (await ToListAsync(commits)).Select(c => c.Id)];

    private static async Task<List<string>> NamesAsync(IAsyncEnumerable<BranchRecord> branches) => [.. (await ToListAsync(branches)).Select(b => b.Name)];

    private static async Task<List<string>> PathsAsync(IAsyncEnumerable<StagedRow> rows) => [.. (await ToListAsync(rows)).Select(r => Text(r.Path)!)];
}
