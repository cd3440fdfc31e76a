using System.Text;
using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.TestSupport;

namespace LakeFs.Core.Tests;

public class RepositoryCommitCostTests
{
    [Test]
    public async Task On_100000_objects_changing_one_rewrites_at_most_two_ranges_and_recommitting_identical_content_is_no_change()
    {
        using var dir = new TempDirectory();
        await using var repo = await Repository.CreateAsync(dir.Path);
        // Link 100,000 paths to one uploaded object with distinct checksums: fast, and each path is its own version.
        var address = repo.CreatePhysicalAddress();
        await repo.ObjectStore.PutAsync(address, new MemoryStream(new byte[16]));
        await Parallel.ForEachAsync(Enumerable.Range(0, 100_000), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            await repo.LinkObjectAsync("main", $"events/day={i % 30:D2}/part-{i:D6}", address, 16, $"{i:x64}", cancellationToken: ct));
        var first = await repo.CommitAsync("main", "load");
        Assert.That(first.Statistics!.Changes, Is.EqualTo(100_000));

        await repo.PutObjectAsync("main", "events/day=07/part-050007", new MemoryStream(Encoding.UTF8.GetBytes("changed")));
        var second = await repo.CommitAsync("main", "change one");

        Assert.That(second.Statistics!.Changes, Is.EqualTo(1));
        Assert.That(second.Statistics.RangesWritten, Is.LessThanOrEqualTo(2));
        Assert.That(second.Statistics.RangesReused, Is.GreaterThan(first.Statistics.RangesWritten - 3));

        // Same bytes, content type and metadata again: not a change.
        await repo.PutObjectAsync("main", "events/day=07/part-050007", new MemoryStream(Encoding.UTF8.GetBytes("changed")));
        Assert.ThrowsAsync<NoChangesException>(() => repo.CommitAsync("main", "again"));
        Assert.That((await repo.GetBranchAsync("main")).Head, Is.EqualTo(second.Id));
    }

    [Test]
    public async Task Allow_empty_commits_keep_the_tree()
    {
        using var dir = new TempDirectory();
        await using var repo = await Repository.CreateAsync(dir.Path);
        var head = await repo.GetCommitAsync("main");

        var empty = await repo.CommitAsync("main", "marker", new CommitOptions { AllowEmpty = true });

        Assert.That(empty.MetaRangeId, Is.EqualTo(head.MetaRangeId));
        Assert.That(empty.Parents, Is.EqualTo(new[] { head.Id }));
        Assert.That(empty.Generation, Is.EqualTo(head.Generation + 1));
    }
}
