using System.Collections.Concurrent;
using LakeFs.Core.Errors;
using LakeFs.Core.Hooks;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.TestSupport;

namespace LakeFs.Core.Tests.Hooks;

/// <summary>
/// Hooks around every operation: a failing pre-hook changes nothing, a passing one lets the operation through, a
/// pre-hook reads the candidate while readers of the branch do not see it, post-hooks see the final state and their
/// failures are reported without undoing anything; throwing, hanging, non-matching and re-entrant hooks.
/// </summary>
public sealed class RepositoryHooksTests
{
    /// <summary>Safety net against a deadlock: far above any run of these tests, so never a timing assertion.</summary>
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(60);

    private TempDirectory _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempDirectory();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    /// <summary>One operation per event pair: what to stage first, the call, the ref it is about, and how a post-hook checks the final state.</summary>
    public sealed record Scenario(
        string Name, HookEvent Pre, string Ref, Func<Repository, Fixture, Task> Prepare, Func<Repository, Fixture, Task> Run,
        Func<HookContext, Task<bool>> FinalStateSeen)
    {
        public override string ToString() => Name;
    }

    /// <summary>main: a.txt, then b.txt (commit <see cref="AddB"/>); feature: f.txt (<see cref="Feature"/>); tag v0 at main.</summary>
    public sealed record Fixture(string AddB, string Feature);

    private static async Task<bool> HeadIsCandidateAsync(HookContext context) =>
        (await context.Repository.GetBranchAsync(context.Branch!)).Head == context.CandidateId;

    private static async Task<bool> BranchGoneAsync(HookContext context)
    {
        try
        {
            await context.Repository.GetBranchAsync(context.Branch!);
            return false;
        }
        catch (BranchNotFoundException)
        {
            return true;
        }
    }

    private static async Task<bool> TagGoneAsync(HookContext context)
    {
        try
        {
            await context.Repository.GetTagAsync(context.Tag!);
            return false;
        }
        catch (TagNotFoundException)
        {
            return true;
        }
    }

    private static Task None(Repository repo, Fixture fixture) => Task.CompletedTask;

    public static IEnumerable<Scenario> Scenarios() =>
    [
        new("commit", HookEvent.PreCommit, "main",
            (repo, _) => repo.PutTextAsync("main", "s.txt", "staged"),
            (repo, _) => repo.CommitAsync("main", "commit s"),
            HeadIsCandidateAsync),
        new("merge", HookEvent.PreMerge, "main", None,
            (repo, _) => repo.MergeAsync("feature", "main"),
            HeadIsCandidateAsync),
        new("revert", HookEvent.PreRevert, "main", None,
            (repo, f) => repo.RevertAsync("main", f.AddB),
            HeadIsCandidateAsync),
        new("cherry-pick", HookEvent.PreCherryPick, "main", None,
            (repo, f) => repo.CherryPickAsync("main", f.Feature),
            HeadIsCandidateAsync),
        new("reset", HookEvent.PreReset, "main",
            (repo, _) => repo.PutTextAsync("main", "s.txt", "staged"),
            (repo, _) => repo.ResetAsync("main"),
            async c => await HeadIsCandidateAsync(c) && (await c.Repository.DiffUncommittedAsync("main").ToListAsync()).Count == 0),
        new("create branch", HookEvent.PreCreateBranch, "other", None,
            (repo, _) => repo.BranchAsync("other", "main"),
            HeadIsCandidateAsync),
        new("delete branch", HookEvent.PreDeleteBranch, "feature", None,
            (repo, _) => repo.DeleteBranchAsync("feature"),
            BranchGoneAsync),
        new("create tag", HookEvent.PreCreateTag, "v1", None,
            (repo, _) => repo.TagAsync("v1", "main"),
            async c => (await c.Repository.GetTagAsync("v1")).CommitId == c.CandidateId),
        new("delete tag", HookEvent.PreDeleteTag, "v0", None,
            (repo, _) => repo.DeleteTagAsync("v0"),
            TagGoneAsync),
    ];

    private async Task<(Repository Repo, Fixture Fixture)> CreateAsync()
    {
        var repo = await TestRepositories.CreateLocalAsync(_temp.Path);
        await repo.PutTextAsync("main", "a.txt", "a");
        await repo.CommitAsync("main", "add a");
        await repo.BranchAsync("feature", "main");
        await repo.PutTextAsync("main", "b.txt", "b");
        var addB = await repo.CommitAsync("main", "add b");
        await repo.PutTextAsync("feature", "f.txt", "f");
        var feature = await repo.CommitAsync("feature", "add f");
        await repo.TagAsync("v0", "main");
        return (repo, new Fixture(addB.Id, feature.Id));
    }

    private static async Task<string> StateAsync(Repository repo)
    {
        var uncommitted = await repo.DiffUncommittedAsync("main").ToListAsync();
        return await repo.SnapshotAsync() + "uncommitted: " + string.Join(", ", uncommitted.Select(c => c.Path));
    }

    [TestCaseSource(nameof(Scenarios))]
    public async Task A_failing_pre_hook_changes_nothing_and_names_itself(Scenario scenario)
    {
        var (repo, fixture) = await CreateAsync();
        await using var _ = repo;
        await scenario.Prepare(repo, fixture);
        var contexts = new List<HookContext>();
        repo.Hooks.On(scenario.Pre, "gate", (context, _) =>
        {
            contexts.Add(context);
            return ValueTask.FromResult(HookResult.Fail("row 3 is malformed"));
        });
        var before = await StateAsync(repo);

        var error = Assert.ThrowsAsync<HookFailedException>(() => scenario.Run(repo, fixture));

        Assert.Multiple(() =>
        {
            Assert.That(error!.Hook, Is.EqualTo("gate"));
            Assert.That(error.Event, Is.EqualTo(scenario.Pre));
            Assert.That(error.Reason, Is.EqualTo("row 3 is malformed"));
            Assert.That(error.Message, Does.Contain("'gate'").And.Contain(scenario.Pre.ToString()).And.Contain("row 3 is malformed").And.Contain($"'{scenario.Ref}'"));
            Assert.That(contexts, Has.Count.EqualTo(1));
            Assert.That(contexts[0].Event, Is.EqualTo(scenario.Pre));
            Assert.That(contexts[0].Branch ?? contexts[0].Tag, Is.EqualTo(scenario.Ref));
        });
        Assert.That(await StateAsync(repo), Is.EqualTo(before));

        // The same operation goes through once the hook is gone (a frozen staging area is committed then).
        Assert.That(repo.Hooks.Remove("gate"), Is.True);
        await scenario.Run(repo, fixture);
        Assert.That(await StateAsync(repo), Is.Not.EqualTo(before));
    }

    [TestCaseSource(nameof(Scenarios))]
    public async Task A_passing_pre_hook_lets_the_operation_through_and_post_hooks_see_the_final_state(Scenario scenario)
    {
        var (repo, fixture) = await CreateAsync();
        await using var _ = repo;
        await scenario.Prepare(repo, fixture);
        var events = new List<string>();
        repo.Hooks.On(scenario.Pre, "pre", (context, _) =>
        {
            events.Add("pre");
            return ValueTask.FromResult(HookResult.Success);
        });
        bool? seen = null;
        repo.Hooks.On(scenario.Pre + 1, "post", async (context, _) =>
        {
            events.Add("post");
            seen = await scenario.FinalStateSeen(context);
            return HookResult.Success;
        });
        var before = await StateAsync(repo);

        await scenario.Run(repo, fixture);

        Assert.That(events, Is.EqualTo(new[] { "pre", "post" }));
        Assert.That(seen, Is.True, "the post-hook sees the operation done");
        Assert.That(await StateAsync(repo), Is.Not.EqualTo(before));
    }

    [Test]
    public async Task A_pre_merge_hook_reads_the_candidate_while_readers_of_the_branch_do_not_see_it()
    {
        var (repo, _) = await CreateAsync();
        await using var __ = repo;
        await repo.PutTextAsync("feature", "g.txt", "g");
        await repo.CommitAsync("feature", "add g");
        var mainHead = (await repo.GetBranchAsync("main")).Head;
        string? inCandidate = null;
        bool? branchSawIt = null;
        List<string>? changes = null;
        List<string>? diff = null;
        HookContext? seen = null;
        repo.Hooks.On(HookEvent.PreMerge, "reader", async (context, token) =>
        {
            seen = context;
            inCandidate = await context.Repository.ReadTextAsync(context.CandidateId!, "f.txt");
            try
            {
                await context.Repository.StatObjectAsync("main", "f.txt", token);
                branchSawIt = true;
            }
            catch (ObjectNotFoundException)
            {
                branchSawIt = false;
            }
            changes = [.. (await context.GetChangesAsync(token).ToListAsync()).Select(c => $"{c.Kind} {c.Path}")];
            diff = [.. (await context.Repository.DiffAsync(context.HeadId!, context.CandidateId!).ToListAsync()).Select(c => $"{c.Kind} {c.Path}")];
            return HookResult.Success;
        }, branches: "main");

        var result = await repo.MergeAsync("feature", "main", new MergeOptions { Message = "bring f and g", Committer = "ci", Metadata = new Dictionary<string, string> { ["ticket"] = "7" } });

        Assert.Multiple(() =>
        {
            Assert.That(inCandidate, Is.EqualTo("f"));
            Assert.That(branchSawIt, Is.False, "readers of main still see the old head while the hook runs");
            Assert.That(changes, Is.EqualTo(new[] { "Added f.txt", "Added g.txt" }));
            Assert.That(diff, Is.EqualTo(changes));
            Assert.That(seen!.HeadId, Is.EqualTo(mainHead));
            Assert.That(seen.CandidateId, Is.EqualTo(result.Head));
            Assert.That(seen.Source, Is.EqualTo("feature"));
            Assert.That(seen.Branch, Is.EqualTo("main"));
            Assert.That(seen.Message, Is.EqualTo("bring f and g"));
            Assert.That(seen.Committer, Is.EqualTo("ci"));
            Assert.That(seen.Metadata["ticket"], Is.EqualTo("7"));
        });
    }

    [Test]
    public async Task A_pre_commit_hook_reads_the_candidate_commit_and_a_failed_one_leaves_the_branch_reading_as_before()
    {
        var (repo, _) = await CreateAsync();
        await using var __ = repo;
        await repo.PutTextAsync("main", "data.csv", "id,name\n1,x\n2");
        var head = (await repo.GetBranchAsync("main")).Head;
        string? candidate = null;
        repo.Hooks.On(HookEvent.PreCommit, "csv", async (context, token) =>
        {
            candidate = context.CandidateId;
            var text = await context.Repository.ReadTextAsync(context.CandidateId!, "data.csv");
            var bad = text.Split('\n').Skip(1).Select((row, i) => (row, i)).FirstOrDefault(r => r.row.Split(',').Length != 2);
            return bad.row is null ? HookResult.Success : HookResult.Fail($"row {bad.i + 2} of data.csv has {bad.row.Split(',').Length} columns");
        });

        var error = Assert.ThrowsAsync<HookFailedException>(() => repo.CommitAsync("main", "load"));
        Assert.That(error!.Reason, Is.EqualTo("row 3 of data.csv has 1 columns"));
        Assert.That((await repo.GetBranchAsync("main")).Head, Is.EqualTo(head));
        Assert.That(await repo.ReadTextAsync("main", "data.csv"), Is.EqualTo("id,name\n1,x\n2"));
        Assert.That(await repo.ListPathsAsync("main@"), Does.Not.Contain("data.csv"));
        Assert.That((await repo.GetCommitAsync(candidate!)).Parents, Is.EqualTo(new[] { head }), "the candidate stays readable by id, referenced by nothing");

        await repo.PutTextAsync("main", "data.csv", "id,name\n1,x\n2,y");
        var commit = await repo.CommitAsync("main", "load, fixed");
        Assert.That(await repo.ReadTextAsync(commit.Id, "data.csv"), Is.EqualTo("id,name\n1,x\n2,y"));
        Assert.That(await repo.DiffUncommittedAsync("main").ToListAsync(), Is.Empty);
    }

    [Test]
    public async Task Hooks_of_one_event_run_in_registration_order_and_stop_at_the_first_failure()
    {
        var (repo, _) = await CreateAsync();
        await using var __ = repo;
        var ran = new List<string>();
        HookResult Record(string name, HookResult result)
        {
            ran.Add(name);
            return result;
        }
        repo.Hooks.On(HookEvent.PreMerge, "first", (_, _) => ValueTask.FromResult(Record("first", HookResult.Success)));
        repo.Hooks.On(HookEvent.PreMerge, "second", (_, _) => ValueTask.FromResult(Record("second", HookResult.Fail("no"))));
        repo.Hooks.On(HookEvent.PreMerge, "third", (_, _) => ValueTask.FromResult(Record("third", HookResult.Success)));

        var error = Assert.ThrowsAsync<HookFailedException>(() => repo.MergeAsync("feature", "main"));

        Assert.That(error!.Hook, Is.EqualTo("second"));
        Assert.That(ran, Is.EqualTo(new[] { "first", "second" }));
        Assert.That(repo.Hooks.Registered(HookEvent.PreMerge), Is.EqualTo(new[] { "first", "second", "third" }));
    }

    [Test]
    public async Task A_throwing_hook_fails_the_operation_with_its_exception_inside()
    {
        var (repo, _) = await CreateAsync();
        await using var __ = repo;
        repo.Hooks.On(HookEvent.PreCreateBranch, "boom", (_, _) => throw new InvalidOperationException("schema registry is down"));

        var error = Assert.ThrowsAsync<HookFailedException>(() => repo.BranchAsync("x", "main"));

        Assert.That(error!.InnerException, Is.TypeOf<InvalidOperationException>());
        Assert.That(error.Reason, Does.Contain("schema registry is down"));
        Assert.ThrowsAsync<BranchNotFoundException>(() => repo.GetBranchAsync("x"));
    }

    [Test]
    public async Task A_hook_past_its_timeout_is_cancelled_and_fails_and_one_that_ignores_its_token_is_not_waited_for()
    {
        var (repo, _) = await CreateAsync();
        await using var __ = repo;
        var head = (await repo.GetBranchAsync("main")).Head;
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var polite = repo.Hooks.On(HookEvent.PreMerge, "slow", async (_, token) =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            catch (OperationCanceledException)
            {
                cancelled.SetResult();
                throw;
            }
            return HookResult.Success;
        }, timeout: TimeSpan.FromMilliseconds(100));

        var error = Assert.ThrowsAsync<HookFailedException>(() => repo.MergeAsync("feature", "main").WaitAsync(Hang));
        Assert.That(error!.Hook, Is.EqualTo("slow"));
        Assert.That(error.Reason, Does.StartWith("timed out after 0.1 s"));
        await cancelled.Task.WaitAsync(Hang); // the run's token was cancelled (the hook may see it just after the caller)
        polite.Dispose();

        var never = new TaskCompletionSource<HookResult>();
        repo.Hooks.On(HookEvent.PreMerge, "stuck", (_, _) => new ValueTask<HookResult>(never.Task), timeout: TimeSpan.FromMilliseconds(100));
        error = Assert.ThrowsAsync<HookFailedException>(() => repo.MergeAsync("feature", "main").WaitAsync(Hang));
        Assert.That(error!.Hook, Is.EqualTo("stuck"));
        Assert.That((await repo.GetBranchAsync("main")).Head, Is.EqualTo(head));
    }

    [Test]
    public async Task A_hook_on_a_pattern_that_does_not_match_does_not_run()
    {
        var (repo, _) = await CreateAsync();
        await using var __ = repo;
        var ran = new ConcurrentBag<string>();
        repo.Hooks.On(HookEvent.PreCommit, "release-only", (context, _) =>
        {
            ran.Add(context.Branch!);
            return ValueTask.FromResult(HookResult.Fail("frozen"));
        }, branches: "release-*");
        await repo.BranchAsync("release-1", "main");

        await repo.PutTextAsync("main", "x.txt", "x");
        await repo.CommitAsync("main", "x on main");
        await repo.PutTextAsync("release-1", "x.txt", "x");
        Assert.ThrowsAsync<HookFailedException>(() => repo.CommitAsync("release-1", "x on release"));

        Assert.That(ran, Is.EqualTo(new[] { "release-1" }));
    }

    [Test]
    public async Task A_pre_hook_that_commits_to_the_branch_it_guards_fails_at_once_and_one_that_puts_to_it_is_fine()
    {
        var (repo, _) = await CreateAsync();
        await using var __ = repo;
        var registration = repo.Hooks.On(HookEvent.PreCommit, "recursive", async (context, token) =>
        {
            await context.Repository.PutTextAsync("main", "from-hook.txt", "h");
            await context.Repository.CommitAsync("main", "from the hook", cancellationToken: token);
            return HookResult.Success;
        });
        await repo.PutTextAsync("main", "s.txt", "s");

        var error = Assert.ThrowsAsync<HookFailedException>(() => repo.CommitAsync("main", "outer").WaitAsync(Hang));
        Assert.That(error!.InnerException, Is.TypeOf<HookReentrancyException>());
        Assert.That(error.InnerException!.Message, Does.Contain("'main'").And.Contain("post-hook"));
        registration.Dispose();

        // A put from a pre-hook lands after the update: committed next time, not by this commit.
        repo.Hooks.On(HookEvent.PreCommit, "writer", async (context, _) =>
        {
            await context.Repository.PutTextAsync("main", "note.txt", "written by the hook");
            return HookResult.Success;
        });
        var commit = await repo.CommitAsync("main", "outer").WaitAsync(Hang);
        Assert.That(await repo.ListPathsAsync(commit.Id), Does.Contain("s.txt").And.Contain("from-hook.txt").And.Not.Contain("note.txt"));
        Assert.That((await repo.DiffUncommittedAsync("main").ToListAsync()).Select(c => c.Path), Is.EqualTo(new[] { "note.txt" }));
    }

    [Test]
    public async Task A_pre_hook_may_update_another_branch_and_a_post_hook_may_update_its_own()
    {
        var (repo, _) = await CreateAsync();
        await using var __ = repo;
        repo.Hooks.On(HookEvent.PreMerge, "log-elsewhere", async (context, token) =>
        {
            await context.Repository.PutTextAsync("feature", "merged-at.txt", context.CandidateId!);
            await context.Repository.CommitAsync("feature", "record merge", cancellationToken: token);
            return HookResult.Success;
        }, branches: "main");
        repo.Hooks.On(HookEvent.PostMerge, "tag-it", async (context, token) =>
        {
            await context.Repository.TagAsync("merged", context.CandidateId!, token);
            await context.Repository.PutTextAsync("main", "after.txt", "after");
            await context.Repository.CommitAsync("main", "after the merge", cancellationToken: token);
            return HookResult.Success;
        }, branches: "main");

        var result = await repo.MergeAsync("feature", "main").WaitAsync(Hang);

        Assert.That(result.PostHookFailures, Is.Empty);
        Assert.That((await repo.GetTagAsync("merged")).CommitId, Is.EqualTo(result.Head));
        Assert.That((await repo.GetCommitAsync("main")).Parents, Is.EqualTo(new[] { result.Head }));
        Assert.That(await repo.ReadTextAsync("feature", "merged-at.txt"), Is.EqualTo(result.Head));
    }

    [Test]
    public async Task A_merge_that_conflicts_fails_before_its_pre_hooks_run()
    {
        var (repo, _) = await CreateAsync();
        await using var __ = repo;
        await repo.PutTextAsync("main", "f.txt", "main's f");
        await repo.CommitAsync("main", "f on main");
        var ran = false;
        repo.Hooks.On(HookEvent.PreMerge, "never", (_, _) =>
        {
            ran = true;
            return ValueTask.FromResult(HookResult.Success);
        });

        Assert.ThrowsAsync<MergeConflictException>(() => repo.MergeAsync("feature", "main"));
        Assert.That(ran, Is.False);
    }

    [Test]
    public async Task Post_hook_failures_are_reported_on_the_result_and_undo_nothing()
    {
        var (repo, _) = await CreateAsync();
        await using var __ = repo;
        var ran = new List<string>();
        repo.Hooks.On(HookEvent.PostCommit, "notify", (_, _) =>
        {
            ran.Add("notify");
            throw new HttpRequestException("webhook unreachable");
        });
        repo.Hooks.On(HookEvent.PostCommit, "metrics", (_, _) =>
        {
            ran.Add("metrics");
            return ValueTask.FromResult(HookResult.Fail("counter service said no"));
        });
        repo.Hooks.On(HookEvent.PostCommit, "fine", (_, _) =>
        {
            ran.Add("fine");
            return ValueTask.FromResult(HookResult.Success);
        });
        repo.Hooks.On(HookEvent.PostCreateTag, "tag-notify", (_, _) => ValueTask.FromResult(HookResult.Fail("tag webhook down")));
        await repo.PutTextAsync("main", "s.txt", "s");

        var commit = await repo.CommitAsync("main", "with post hooks");

        Assert.That(ran, Is.EqualTo(new[] { "notify", "metrics", "fine" }), "every post-hook runs, whatever the others did");
        Assert.That(commit.PostHookFailures.Select(f => (f.Hook, f.Event, f.Ref, f.Succeeded)),
            Is.EqualTo(new[] { ("notify", HookEvent.PostCommit, "main", false), ("metrics", HookEvent.PostCommit, "main", false) }));
        Assert.That(commit.PostHookFailures[0].Reason, Does.Contain("webhook unreachable"));
        Assert.That(commit.PostHookFailures[1].Reason, Is.EqualTo("counter service said no"));
        Assert.That((await repo.GetBranchAsync("main")).Head, Is.EqualTo(commit.Id));
        Assert.That((await repo.GetCommitAsync(commit.Id)).PostHookFailures, Is.Empty, "reported on the call's result only");

        var tag = await repo.TagAsync("v2", "main");
        Assert.That(tag.PostHookFailures.Single().Reason, Is.EqualTo("tag webhook down"));
        Assert.That((await repo.GetTagAsync("v2")).CommitId, Is.EqualTo(commit.Id));
    }

    [Test]
    public async Task A_pre_reset_hook_sees_the_changes_it_would_drop()
    {
        var (repo, _) = await CreateAsync();
        await using var __ = repo;
        await repo.PutTextAsync("main", "s.txt", "s");
        await repo.DeleteObjectAsync("main", "a.txt");
        List<string>? dropped = null;
        repo.Hooks.On(HookEvent.PreReset, "keep-deletes", async (context, token) =>
        {
            dropped = [.. (await context.GetChangesAsync(token).ToListAsync()).Select(c => $"{c.Kind} {c.Path}")];
            return HookResult.Fail("would drop a delete");
        });

        Assert.ThrowsAsync<HookFailedException>(() => repo.ResetAsync("main"));

        Assert.That(dropped, Is.EqualTo(new[] { "Removed a.txt", "Added s.txt" }));
        Assert.That((await repo.DiffUncommittedAsync("main").ToListAsync()).Count, Is.EqualTo(2));
    }

    [Test]
    public async Task Registration_rejects_duplicate_names_and_bad_patterns_and_disposing_removes_the_hook()
    {
        var (repo, _) = await CreateAsync();
        await using var __ = repo;
        var registration = repo.Hooks.On(HookEvent.PreCreateTag, "no-tags", (_, _) => ValueTask.FromResult(HookResult.Fail("no tags")));
        Assert.Throws<ArgumentException>(() => repo.Hooks.On(HookEvent.PostMerge, "no-tags", (_, _) => ValueTask.FromResult(HookResult.Success)));
        Assert.Throws<InvalidNameException>(() => repo.Hooks.On(HookEvent.PostMerge, "bad", (_, _) => ValueTask.FromResult(HookResult.Success), branches: "main branch"));
        Assert.ThrowsAsync<HookFailedException>(() => repo.TagAsync("v9", "main"));

        registration.Dispose();

        Assert.That(repo.Hooks.Registered(HookEvent.PreCreateTag), Is.Empty);
        Assert.That((await repo.TagAsync("v9", "main")).Name, Is.EqualTo("v9"));
        Assert.That(repo.Hooks.Remove("no-tags"), Is.False);
    }
}
