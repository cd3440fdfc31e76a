using System.Text;
using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.TestSupport;

namespace LakeFs.Core.Tests;

public class RepositoryCommitCostTests
{
    private static string PathOf(int i) => $"events/day={i % 30:D2}/part-{i:D6}";

    /// <summary>Links paths 0 to count - 1 (<see cref="PathOf"/>) to one uploaded object with distinct checksums: fast, and each path is its own version.</summary>
    private static async Task LinkPathsAsync(Repository repo, int count)
    {
        var address = repo.CreatePhysicalAddress();
        await repo.ObjectStore.PutAsync(address, new MemoryStream(new byte[16]));
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            await repo.LinkObjectAsync("main", PathOf(i), address, 16, $"{i:x64}", cancellationToken: ct));
    }

    [Test]
    public async Task On_100000_objects_changing_one_rewrites_at_most_two_ranges_and_recommitting_identical_content_is_no_change()
    {
        using var dir = new TempDirectory();
        await using var repo = await Repository.CreateAsync(dir.Path);
        await LinkPathsAsync(repo, 100_000);
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

    [Test]
    public async Task Merging_into_a_main_that_moved_elsewhere_takes_the_source_ranges_whole_and_counts_every_change()
    {
        using var dir = new TempDirectory();
        await using var repo = await Repository.CreateAsync(dir.Path);
        await LinkPathsAsync(repo, 100_000);
        var load = await repo.CommitAsync("main", "load");
        await repo.BranchAsync("feature", "main");

        // 60 changes spread over the key space on the branch, 3 elsewhere on main.
        var random = new Random(5);
        var featurePaths = Enumerable.Range(0, 200).Select(_ => random.Next(100_000)).Distinct().Take(60).Select(PathOf).ToArray();
        var mainPaths = Enumerable.Range(0, 200).Select(_ => random.Next(100_000)).Select(PathOf).Except(featurePaths).Distinct().Take(3).ToArray();
        foreach (var path in featurePaths)
        {
            await repo.PutObjectAsync("feature", path, new MemoryStream(Encoding.UTF8.GetBytes("feature " + path)));
        }
        await repo.CommitAsync("feature", "feature changes");
        foreach (var path in mainPaths)
        {
            await repo.PutObjectAsync("main", path, new MemoryStream(Encoding.UTF8.GetBytes("main " + path)));
        }
        await repo.CommitAsync("main", "main changes");

        var merge = await repo.MergeAsync("feature", "main", new MergeOptions { FastForward = FastForward.Never });

        Assert.That(merge.Changes, Is.EqualTo(featurePaths.Length));
        Assert.That(merge.Commit!.Statistics!.Changes, Is.EqualTo(featurePaths.Length));
        // Only ranges both sides changed are rewritten (a few at most); each range only the branch changed is
        // its range, taken by id.
        Assert.That(merge.Commit.Statistics.RangesWritten, Is.LessThanOrEqualTo(mainPaths.Length + 2));
        Assert.That(merge.Commit.Statistics.RangesReused, Is.GreaterThan(load.Statistics!.RangesWritten - mainPaths.Length - 3));
        foreach (var path in featurePaths)
        {
            Assert.That(await ReadAsync(repo, "main", path), Is.EqualTo("feature " + path));
        }
        foreach (var path in mainPaths)
        {
            Assert.That(await ReadAsync(repo, "main", path), Is.EqualTo("main " + path));
        }
        Assert.That(await repo.DiffAsync("feature", "main").CountAsync(), Is.EqualTo(mainPaths.Length));
    }

    private static async Task<string> ReadAsync(Repository repo, string @ref, string path)
    {
        await using var stream = await repo.OpenReadAsync(@ref, path);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }
}
