using System.Collections.Concurrent;
using LakeFs.Core.Errors;
using LakeFs.Core.Hooks;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace LakeFs.Core.Tests;

/// <summary>
/// The audit log: one record per change of state with time, actor and heads before and after, none for a change
/// that failed, hook runs with result and duration, filters and paging, and exactly one record per head move when
/// two repository instances commit to one branch at once.
/// </summary>
public sealed class RepositoryAuditTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);

    private TempDirectory _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempDirectory();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    private static string Show(AuditRecord r) =>
        $"{r.Action} {r.Ref} {r.Before?[..8] ?? "-"}->{r.After?[..8] ?? "-"} by {r.Actor} at {r.Time:HH:mm} ({r.Detail ?? "-"})";

    [Test]
    public async Task Every_change_of_state_has_one_record_with_time_actor_and_heads()
    {
        var time = new FakeTimeProvider(Start);
        await using var repo = await TestRepositories.CreateLocalAsync(_temp.Path, time);
        string Head(string branch) => repo.GetBranchAsync(branch).GetAwaiter().GetResult().Head[..8];
        var expected = new List<string>();
        void Expect(string line)
        {
            expected.Add(line);
            time.Advance(TimeSpan.FromMinutes(1));
        }

        var first = Head("main");
        await repo.BranchAsync("feature", "main");
        Expect($"CreateBranch feature -->{first} by lakefs at 09:00 (main)");
        await repo.PutTextAsync("feature", "a.txt", "a");
        var a = await repo.CommitAsync("feature", "add a", new CommitOptions { Committer = "ana" });
        Expect($"Commit feature {first}->{a.Id[..8]} by ana at 09:01 (add a)");
        var merged = await repo.MergeAsync("feature", "main", new MergeOptions { Committer = "bo" });
        Expect($"Merge main {first}->{merged.Head[..8]} by bo at 09:02 (feature)");
        var reverted = await repo.RevertAsync("main", "main");
        Expect($"Revert main {merged.Head[..8]}->{reverted.Id[..8]} by lakefs at 09:03 (main)");
        var picked = await repo.CherryPickAsync("main", a.Id);
        Expect($"CherryPick main {reverted.Id[..8]}->{picked.Id[..8]} by lakefs at 09:04 ({a.Id})");
        await repo.PutTextAsync("main", "junk.txt", "junk");
        await repo.ResetAsync("main");
        Expect($"Reset main {picked.Id[..8]}->{picked.Id[..8]} by lakefs at 09:05 (-)");
        await repo.TagAsync("v1", "main");
        Expect($"CreateTag v1 -->{picked.Id[..8]} by lakefs at 09:06 (main)");
        await repo.DeleteTagAsync("v1");
        Expect($"DeleteTag v1 {picked.Id[..8]}->- by lakefs at 09:07 (-)");
        await repo.DeleteBranchAsync("feature");
        Expect($"DeleteBranch feature {a.Id[..8]}->- by lakefs at 09:08 (-)");
        await repo.ProtectBranchesAsync("release-*");
        Expect("ProtectBranches release-* -->- by lakefs at 09:09 (-)");
        await repo.UnprotectBranchesAsync("release-*");
        Expect("UnprotectBranches release-* -->- by lakefs at 09:10 (-)");

        var log = await repo.GetAuditLogAsync().ToListAsync();
        Assert.That(log.Select(Show), Is.EqualTo(expected));
        Assert.That(log.Select(r => r.Sequence), Is.Ordered.Ascending.And.Unique);
    }

    [Test]
    public async Task A_change_that_fails_leaves_no_record_and_a_hook_run_leaves_one_with_result_and_duration()
    {
        var time = new FakeTimeProvider(Start);
        await using var repo = await TestRepositories.CreateLocalAsync(_temp.Path, time);
        await repo.BranchAsync("feature", "main");
        await repo.PutTextAsync("main", "x.txt", "main");
        await repo.CommitAsync("main", "x on main");
        await repo.PutTextAsync("feature", "x.txt", "feature");
        await repo.CommitAsync("feature", "x on feature");
        var before = await repo.GetAuditLogAsync().ToListAsync();

        Assert.ThrowsAsync<NoChangesException>(() => repo.CommitAsync("main", "nothing"));
        Assert.ThrowsAsync<MergeConflictException>(() => repo.MergeAsync("feature", "main"));
        Assert.ThrowsAsync<BranchAlreadyExistsException>(() => repo.BranchAsync("feature", "main"));
        Assert.ThrowsAsync<TagNotFoundException>(() => repo.DeleteTagAsync("none"));
        Assert.That(await repo.UnprotectBranchesAsync("none"), Is.False);
        Assert.That(await repo.GetAuditLogAsync().ToListAsync(), Is.EqualTo(before));

        repo.Hooks.On(HookEvent.PreCreateTag, "slow-check", (context, _) =>
        {
            time.Advance(TimeSpan.FromSeconds(5));
            return ValueTask.FromResult(HookResult.Fail("not today"));
        });
        Assert.ThrowsAsync<HookFailedException>(() => repo.TagAsync("v1", "main"));

        var hookRuns = await repo.GetAuditLogAsync(new AuditFilter { AfterSequence = before[^1].Sequence }).ToListAsync();
        Assert.That(hookRuns, Has.Count.EqualTo(1), "the stopped operation itself left no record");
        Assert.That(hookRuns[0].Action, Is.EqualTo(AuditAction.HookRun));
        Assert.That(hookRuns[0].Ref, Is.EqualTo("v1"));
        Assert.That(hookRuns[0].Hook, Is.EqualTo(new HookRun
        {
            Hook = "slow-check",
            Event = HookEvent.PreCreateTag,
            Ref = "v1",
            Succeeded = false,
            Reason = "not today",
            Duration = TimeSpan.FromSeconds(5),
        }));
    }

    [Test]
    public async Task Filters_select_by_ref_time_and_action_and_reads_page_past_a_thousand_records()
    {
        var time = new FakeTimeProvider(Start);
        await using var repo = await TestRepositories.CreateLocalAsync(_temp.Path, time);
        for (var i = 0; i < 1005; i++)
        {
            await repo.TagAsync($"t{i:D4}", "main");
            time.Advance(TimeSpan.FromSeconds(1));
        }
        await repo.BranchAsync("dev", "main");

        var all = await repo.GetAuditLogAsync().ToListAsync();
        Assert.That(all, Has.Count.EqualTo(1006));
        Assert.That(all.Select(r => r.Sequence), Is.Ordered.Ascending.And.Unique);
        Assert.That((await repo.GetAuditLogAsync(new AuditFilter { Ref = "t0500" }).ToListAsync()).Single().Time, Is.EqualTo(Start.AddSeconds(500)));
        Assert.That((await repo.GetAuditLogAsync(new AuditFilter { Action = AuditAction.CreateBranch }).ToListAsync()).Single().Ref, Is.EqualTo("dev"));
        var window = await repo.GetAuditLogAsync(new AuditFilter { Since = Start.AddSeconds(10), Until = Start.AddSeconds(20) }).ToListAsync();
        Assert.That(window.Select(r => r.Ref), Is.EqualTo(Enumerable.Range(10, 10).Select(i => $"t{i:D4}")));
        var rest = await repo.GetAuditLogAsync(new AuditFilter { AfterSequence = all[999].Sequence }).ToListAsync();
        Assert.That(rest, Is.EqualTo(all.Skip(1000)));
    }

    [Test]
    public async Task Two_instances_committing_to_one_branch_at_once_leave_exactly_one_record_per_head_move()
    {
        await using var first = await TestRepositories.CreateLocalAsync(_temp.Path);
        await using var second = await Repository.OpenAsync(Repository.LocalOptions(_temp.Path) with { Tree = TestRepositories.SmallTree });
        var start = (await first.GetBranchAsync("main")).Head;
        var commits = new ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(async () =>
        {
            var repo = i % 2 == 0 ? first : second;
            for (var n = 0; n < 15; n++)
            {
                var commit = await repo.CommitAsync("main", $"task {i} commit {n}", new CommitOptions { AllowEmpty = true });
                commits.Add(commit.Id);
            }
        })));

        var log = await first.GetAuditLogAsync(new AuditFilter { Ref = "main", Action = AuditAction.Commit }).ToListAsync();
        Assert.That(log.Select(r => r.After), Is.EquivalentTo(commits), "one record per successful commit, none for lost races");
        // In sequence order the records chain: each starts where the one before ended.
        var expectedBefore = start;
        foreach (var record in log)
        {
            Assert.That(record.Before, Is.EqualTo(expectedBefore), $"record {record.Sequence}");
            expectedBefore = record.After;
        }
        Assert.That(expectedBefore, Is.EqualTo((await first.GetBranchAsync("main")).Head));
    }
}
