using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Storage;
using Microsoft.Extensions.Time.Testing;

namespace LakeFs.Core.Tests.TestSupport;

/// <summary>
/// The core garbage-collection check, run on every object-store adapter: a nine-day history with retention rules, a
/// tag, uncommitted garbage (an overwritten put, a deleted branch's staged entry) and objects GC must never touch,
/// then a dry run, a real run and a second run. Every kept commit reads back as before, exactly the garbage is gone,
/// and the second run lists only the partition that still has staged entries.
/// </summary>
internal static class GcScenario
{
    /// <summary>Keys outside what GC may delete; all must survive.</summary>
    public static readonly string[] Foreign =
    [
        "other/x.bin", "_gateway/uploads/u1", "_lakefs/refs-dumps/d1/branches", "_lakefs/probe-x", "data/notanhour/0123456789abcdef0123456789abcdef",
        "data/2025010100/not-hex", "data/2025010100/0123456789ABCDEF0123456789ABCDEF",
    ];

    public static async Task RunAsync(Func<TimeProvider, RepositoryOptions> options, GcOptions? gc = null)
    {
        var start = new DateTimeOffset(DateTimeOffset.UtcNow.Year, DateTimeOffset.UtcNow.Month, DateTimeOffset.UtcNow.Day, DateTimeOffset.UtcNow.Hour, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(start);
        gc ??= new GcOptions();
        await using var repo = await Repository.CreateAsync(options(time));
        await repo.SetRetentionAsync(new RetentionRules(3) { BranchDays = new Dictionary<string, int> { ["dev"] = 2 } });
        var store = repo.ObjectStore;
        foreach (var key in Foreign)
        {
            using var bytes = new MemoryStream([1, 2, 3]);
            await store.PutAsync(key, bytes);
        }

        void Day(int day) => time.SetUtcNow(start.AddDays(day).AddMinutes(5));
        await repo.PutTextAsync("main", "a.txt", "a0");
        await repo.PutTextAsync("main", "keep.txt", "k");
        var m0 = await repo.CommitAsync("main", "m0");
        await repo.TagAsync("t0", m0.Id);
        Day(1);
        await repo.PutTextAsync("main", "a.txt", "a1");
        var m1 = await repo.CommitAsync("main", "m1");
        Day(2);
        await repo.PutTextAsync("main", "a.txt", "a2");
        var m2 = await repo.CommitAsync("main", "m2");
        await repo.BranchAsync("dev", "main");
        Day(3);
        await repo.PutTextAsync("dev", "d.txt", "d3");
        var d3 = await repo.CommitAsync("dev", "d3");
        Day(4);
        await repo.PutTextAsync("main", "a.txt", "a4");
        var m4 = await repo.CommitAsync("main", "m4");
        await repo.PutTextAsync("main", "x.txt", "garbage, overwritten before any commit");
        await repo.PutTextAsync("main", "x.txt", "staged");
        Day(5);
        await repo.PutTextAsync("main", "a.txt", "a5");
        await repo.ResetObjectAsync("main", "x.txt");
        await repo.PutTextAsync("main", "x.txt", "staged");
        var m5 = await repo.CommitAsync("main", "m5");
        await repo.PutTextAsync("main", "x.txt", "staged again");
        Day(6);
        await repo.BranchAsync("tmp", "main");
        await repo.PutTextAsync("tmp", "t.txt", "on a branch deleted before any commit");
        await repo.DeleteBranchAsync("tmp");
        Day(8);
        await repo.PutTextAsync("main", "a.txt", "a8");
        var m8 = await repo.CommitAsync("main", "m8", new CommitOptions { AllowEmpty = true });
        await repo.PutTextAsync("main", "x.txt", "staged at last");
        var initial = (await repo.GetCommitAsync("t0~1")).Id;
        time.SetUtcNow(start.AddDays(9).AddHours(3));

        // main keeps 3 days: m8 and m5 (the first past the window); dev keeps 2: only its head; the tag keeps m0.
        string[] kept = [m8.Id, m5.Id, d3.Id, m0.Id];
        string[] expired = [m4.Id, m2.Id, m1.Id, initial];
        var before = new Dictionary<string, Dictionary<string, string>>();
        foreach (var id in kept)
        {
            before[id] = await ContentAsync(repo, id);
        }
        var staged = await ContentAsync(repo, "main");
        var dataBefore = await KeysAsync(store, "data/");
        var allBefore = await KeysAsync(store, "");

        var dry = await repo.CollectGarbageAsync(gc with { DryRun = true });
        Assert.That(await KeysAsync(store, ""), Is.EqualTo(allBefore), "a dry run deletes nothing");
        Assert.That(await repo.GetCommitAsync(m4.Id), Is.Not.Null, "nor expires anything");

        var progress = new List<GcProgress>();
        var report = await repo.CollectGarbageAsync(gc, new SyncProgress<GcProgress>(progress.Add));

        // a1, a4, the overwritten x, the reset x and the deleted branch's t.
        Assert.That(report.CommitsExpired, Is.EqualTo(4));
        Assert.That(report.ObjectsDeleted, Is.EqualTo(5));
        Assert.That(report.BytesDeleted, Is.GreaterThan(0));
        Assert.That(report.RangesDeleted, Is.GreaterThan(0));
        Assert.That(report.MetaRangesDeleted, Is.GreaterThanOrEqualTo(3));
        Assert.That(report.ObjectsWithinGracePeriod, Is.EqualTo(0));
        Assert.That(dry with { DryRun = false, Duration = report.Duration }, Is.EqualTo(report with { AddressesMarked = dry.AddressesMarked }),
            "the dry run reported what the run did");
        Assert.That(progress[^1].Phase, Is.EqualTo(GcPhase.Done));
        Assert.That(progress[^1].ObjectsDeleted, Is.EqualTo(5));

        foreach (var id in kept)
        {
            Assert.That(await ContentAsync(repo, id), Is.EqualTo(before[id]), $"kept commit {id[..12]} reads back as before");
        }
        Assert.That(await ContentAsync(repo, "main"), Is.EqualTo(staged), "uncommitted changes are kept");
        Assert.That(await repo.ReadTextAsync("t0", "a.txt"), Is.EqualTo("a0"));
        foreach (var id in expired)
        {
            Assert.ThrowsAsync<CommitExpiredException>(() => repo.GetCommitAsync(id), $"commit {id[..12]}");
        }
        var dataAfter = await KeysAsync(store, "data/");
        Assert.That(dataBefore.Except(dataAfter).Count(), Is.EqualTo(5));
        Assert.That(dataAfter.Except(dataBefore), Is.Empty);
        foreach (var key in Foreign)
        {
            Assert.That(await store.StatAsync(key), Is.Not.Null, $"{key} is not GC's to delete");
        }
        var verify = await repo.VerifyAsync();
        Assert.That(verify.Problems, Is.Empty);

        // Nothing new: only the partition holding a staged entry is listed again.
        var again = await repo.CollectGarbageAsync(gc);
        Assert.That(again.CommitsExpired, Is.EqualTo(0));
        Assert.That(again.ObjectsDeleted, Is.EqualTo(0));
        Assert.That(again.RangesDeleted + again.MetaRangesDeleted, Is.EqualTo(0));
        Assert.That(again.PartitionsSwept, Is.EqualTo(1), "the partition of the staged x");
        var partitionsLeft = dataAfter.Select(k => k.Split('/')[1]).Where(h => h.Length == 10 && h.All(char.IsAsciiDigit)).Distinct().Count();
        Assert.That(again.PartitionsSkipped, Is.EqualTo(partitionsLeft - 1), "every other partition holding objects, the one of foreign keys too");
        Assert.That(again.ObjectsListed, Is.LessThan(report.ObjectsListed));
    }

    /// <summary>Every path at the ref and its text.</summary>
    public static async Task<Dictionary<string, string>> ContentAsync(Repository repo, string @ref)
    {
        var content = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in await repo.ListPathsAsync(@ref))
        {
            content[path] = await repo.ReadTextAsync(@ref, path);
        }
        return content;
    }

    public static async Task<List<string>> KeysAsync(IObjectStore store, string prefix)
    {
        var keys = new List<string>();
        await foreach (var stat in store.ListAsync(prefix))
        {
            keys.Add(stat.Key);
        }
        return keys;
    }

    /// <summary>An <see cref="IProgress{T}"/> that reports on the caller's thread, in order.</summary>
    public sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
