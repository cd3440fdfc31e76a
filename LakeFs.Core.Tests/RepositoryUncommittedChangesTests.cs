using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.TestSupport;

namespace LakeFs.Core.Tests;

/// <summary>
/// One definition of uncommitted changes — staged objects whose identity differs from the head's — for the
/// uncommitted diff, commit, and the dirty-branch check of merge, revert and cherry-pick. Staged rows that change
/// nothing come in three forms; none of them makes a branch dirty, and none survives the head's move to hide what
/// the operation brought.
/// </summary>
public class RepositoryUncommittedChangesTests
{
    public enum NoOpForm
    {
        /// <summary>The content the head has at a path, written again.</summary>
        RePut,

        /// <summary>A path the head lacks, written and then deleted (a tombstone where nothing is).</summary>
        PutThenDelete,

        /// <summary>A path the head has, deleted and then written back with the same content.</summary>
        DeleteThenPut,
    }

    public enum Operation
    {
        Merge,
        Revert,
        CherryPick,
    }

    private const string Changed = "d0/k5.csv";
    private const string Added = "d0/new.csv";

    [Test]
    [Combinatorial]
    public async Task Rows_that_change_nothing_let_the_operation_run_and_are_gone_after_it([Values] NoOpForm form, [Values] Operation operation)
    {
        using var dir = new TempDirectory();
        await using var repo = await TestRepositories.CreateLocalAsync(dir.Path);
        await repo.PutTextAsync("main", Changed, "x");
        await repo.PutTextAsync("main", "d0/keep.csv", "k");
        await repo.CommitAsync("main", "base");
        await repo.BranchAsync("b2", "main");
        Dictionary<string, string> expected;
        if (operation == Operation.Revert)
        {
            // b2's own commit changes one path and adds another; the revert takes both back.
            await repo.PutTextAsync("b2", Changed, "y");
            await repo.PutTextAsync("b2", Added, "n");
            await repo.CommitAsync("b2", "b2 change");
            expected = new() { [Changed] = "x", ["d0/keep.csv"] = "k" };
        }
        else
        {
            // main changes one path and adds another; the merge or cherry-pick brings both to b2.
            await repo.PutTextAsync("main", Changed, "y");
            await repo.PutTextAsync("main", Added, "n");
            await repo.CommitAsync("main", "main change");
            await repo.PutTextAsync("b2", "d0/side.csv", "s");
            await repo.CommitAsync("b2", "b2 change");
            expected = new() { [Changed] = "y", [Added] = "n", ["d0/keep.csv"] = "k", ["d0/side.csv"] = "s" };
        }

        // Each form stages rows exactly at the paths the operation changes, where a leftover would hide its result.
        var head = await repo.ReadTextAsync("b2@");
        switch (form)
        {
            case NoOpForm.RePut:
                await repo.PutTextAsync("b2", Changed, head[Changed]);
                break;
            case NoOpForm.PutThenDelete:
                var absent = operation == Operation.Revert ? "d0/absent.csv" : Added;
                await repo.PutTextAsync("b2", absent, "z");
                await repo.DeleteObjectAsync("b2", absent);
                break;
            case NoOpForm.DeleteThenPut:
                await repo.DeleteObjectAsync("b2", Changed);
                await repo.PutTextAsync("b2", Changed, head[Changed]);
                break;
        }
        Assert.That(await repo.DiffUncommittedAsync("b2").ToListAsync(), Is.Empty);

        switch (operation)
        {
            case Operation.Merge:
                await repo.MergeAsync("main", "b2");
                break;
            case Operation.Revert:
                await repo.RevertAsync("b2", "b2");
                break;
            case Operation.CherryPick:
                await repo.CherryPickAsync("b2", "main");
                break;
        }

        Assert.That(await repo.ReadTextAsync("b2@"), Is.EqualTo(expected), "committed");
        Assert.That(await repo.ReadTextAsync("b2"), Is.EqualTo(expected), "what the branch shows: no staged row hides the result");
        Assert.That(await repo.DiffUncommittedAsync("b2").ToListAsync(), Is.Empty);
    }

    [Test]
    public async Task A_merge_already_contained_says_so_instead_of_refusing_a_branch_whose_rows_change_nothing()
    {
        // The issue's reproducer.
        using var dir = new TempDirectory();
        await using var repo = await TestRepositories.CreateLocalAsync(dir.Path);
        await repo.BranchAsync("b2", "main");
        await repo.PutTextAsync("b2", Changed, "x");
        await repo.CommitAsync("b2", "k5");
        await repo.PutTextAsync("b2", Changed, "x");
        var head = (await repo.GetBranchAsync("b2")).Head;

        Assert.ThrowsAsync<NoChangesException>(() => repo.MergeAsync("main", "b2"));
        Assert.That((await repo.GetBranchAsync("b2")).Head, Is.EqualTo(head));
        Assert.That(await repo.ReadTextAsync("b2"), Is.EqualTo(new Dictionary<string, string> { [Changed] = "x" }));
    }

    [TestCase(NoOpForm.RePut)]
    [TestCase(NoOpForm.PutThenDelete)]
    [TestCase(NoOpForm.DeleteThenPut)]
    public async Task Diff_and_commit_agree_that_rows_that_change_nothing_are_no_changes(NoOpForm form)
    {
        using var dir = new TempDirectory();
        await using var repo = await TestRepositories.CreateLocalAsync(dir.Path);
        await repo.PutTextAsync("main", Changed, "x");
        await repo.CommitAsync("main", "base");
        var head = (await repo.GetBranchAsync("main")).Head;
        switch (form)
        {
            case NoOpForm.RePut:
                await repo.PutTextAsync("main", Changed, "x");
                break;
            case NoOpForm.PutThenDelete:
                await repo.PutTextAsync("main", Added, "z");
                await repo.DeleteObjectAsync("main", Added);
                break;
            case NoOpForm.DeleteThenPut:
                await repo.DeleteObjectAsync("main", Changed);
                await repo.PutTextAsync("main", Changed, "x");
                break;
        }

        Assert.That(await repo.DiffUncommittedAsync("main").ToListAsync(), Is.Empty);
        Assert.ThrowsAsync<NoChangesException>(() => repo.CommitAsync("main", "nothing"));
        Assert.That((await repo.GetBranchAsync("main")).Head, Is.EqualTo(head));
    }

    [TestCase(Operation.Merge)]
    [TestCase(Operation.Revert)]
    [TestCase(Operation.CherryPick)]
    public async Task A_real_change_among_rows_that_change_nothing_is_refused_and_named_alone(Operation operation)
    {
        using var dir = new TempDirectory();
        await using var repo = await TestRepositories.CreateLocalAsync(dir.Path);
        await repo.PutTextAsync("main", Changed, "x");
        await repo.CommitAsync("main", "base");
        await repo.BranchAsync("b2", "main");
        await repo.PutTextAsync("main", Added, "n");
        await repo.CommitAsync("main", "main change");
        await repo.PutTextAsync("b2", "d0/side.csv", "s");
        await repo.CommitAsync("b2", "b2 change");
        await repo.PutTextAsync("b2", Changed, "x");
        await repo.PutTextAsync("b2", "d0/real.csv", "r");
        var head = (await repo.GetBranchAsync("b2")).Head;

        var dirty = Assert.ThrowsAsync<DirtyBranchException>(() => operation switch
        {
            Operation.Merge => repo.MergeAsync("main", "b2"),
            Operation.Revert => repo.RevertAsync("b2", "b2"),
            _ => repo.CherryPickAsync("b2", "main"),
        });
        Assert.That(dirty!.Message, Does.Contain("'d0/real.csv'").And.Not.Contain(Changed));
        Assert.That((await repo.GetBranchAsync("b2")).Head, Is.EqualTo(head));
        Assert.That((await repo.DiffUncommittedAsync("b2").ToListAsync()).Select(c => c.Path), Is.EqualTo(new[] { "d0/real.csv" }));
    }

    [Test]
    public async Task A_fast_forward_drops_rows_that_change_nothing_too()
    {
        using var dir = new TempDirectory();
        await using var repo = await TestRepositories.CreateLocalAsync(dir.Path);
        await repo.PutTextAsync("main", Changed, "x");
        await repo.CommitAsync("main", "base");
        await repo.BranchAsync("b2", "main");
        await repo.PutTextAsync("main", Changed, "y");
        await repo.CommitAsync("main", "change");
        await repo.PutTextAsync("b2", Changed, "x");

        var merged = await repo.MergeAsync("main", "b2");

        Assert.That(merged.FastForwarded, Is.True);
        Assert.That(await repo.ReadTextAsync("b2"), Is.EqualTo(new Dictionary<string, string> { [Changed] = "y" }));
    }
}
