using LakeFs.Core.Model;
using LakeFs.Core.Tests.TestSupport;
using LakeFs.Storage.Memory;
using Microsoft.Extensions.Time.Testing;

namespace LakeFs.Core.Tests;

/// <summary>
/// Garbage collection: the core scenario on the local and memory stores (the cloud emulators run it in
/// <see cref="CloudRepositoryTests"/>), with marks spilled to disk; the grace period; incremental runs; writers and
/// committers running during collection; random histories against a model.
/// </summary>
public sealed class RepositoryGcTests
{
    private TempDirectory _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempDirectory();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    private static DateTimeOffset ThisHour()
    {
        var now = DateTimeOffset.UtcNow;
        return new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
    }

    private RepositoryOptions Local(TimeProvider time) => Repository.LocalOptions(_temp.Combine("repo")) with { TimeProvider = time, Tree = TestRepositories.SmallTree };

    [Test]
    public Task The_core_scenario_on_a_local_folder() => GcScenario.RunAsync(Local);

    [Test]
    public Task The_core_scenario_in_memory() => GcScenario.RunAsync(time => new RepositoryOptions
    {
        ObjectStore = new MemoryObjectStore(time),
        RefStore = new SqliteRefStoreOptions(_temp.Combine("refs.db")),
        TimeProvider = time,
        Tree = TestRepositories.SmallTree,
    });

    [Test]
    public async Task The_core_scenario_with_marks_spilled_to_disk()
    {
        var spill = Directory.CreateDirectory(_temp.Combine("spill")).FullName;
        await GcScenario.RunAsync(Local, new GcOptions { MaxMarksInMemory = 2, SpillFolder = spill });
        Assert.That(Directory.EnumerateFileSystemEntries(spill), Is.Empty, "run files are removed");
    }

    [Test]
    public async Task Objects_within_the_grace_period_are_kept_until_it_passes()
    {
        var start = ThisHour();
        var time = new FakeTimeProvider(start.AddMinutes(10));
        await using var repo = await Repository.CreateAsync(Local(time));
        await repo.PutTextAsync("main", "a.txt", "1");
        await repo.PutTextAsync("main", "a.txt", "2");

        var now = await repo.CollectGarbageAsync();
        Assert.That((now.ObjectsDeleted, now.ObjectsWithinGracePeriod), Is.EqualTo((0L, 1L)));
        time.SetUtcNow(start.AddHours(24).AddMinutes(59));
        var almost = await repo.CollectGarbageAsync();
        Assert.That((almost.ObjectsDeleted, almost.ObjectsWithinGracePeriod), Is.EqualTo((0L, 1L)), "the hour's end plus 24 hours has not passed");
        time.SetUtcNow(start.AddHours(25));
        var past = await repo.CollectGarbageAsync();
        Assert.That((past.ObjectsDeleted, past.ObjectsWithinGracePeriod), Is.EqualTo((1L, 0L)));
        Assert.That(await repo.ReadTextAsync("main", "a.txt"), Is.EqualTo("2"));

        var shorter = await repo.CollectGarbageAsync(new GcOptions { GracePeriod = TimeSpan.FromHours(1) });
        Assert.That(shorter.ObjectsDeleted, Is.EqualTo(0));
    }

    [Test]
    public async Task The_sweep_asks_the_store_for_the_facts_of_unmarked_objects_only()
    {
        var start = ThisHour();
        var time = new FakeTimeProvider(start.AddMinutes(10));
        var store = new HookedObjectStore(new MemoryObjectStore(time));
        var answers = new List<(string Key, bool Accepted)>();
        store.AfterOffer = (key, accepted) =>
        {
            if (key.StartsWith("data/", StringComparison.Ordinal))
            {
                answers.Add((key, accepted));
            }
        };
        await using var repo = await Repository.CreateAsync(new RepositoryOptions
        {
            ObjectStore = store,
            RefStore = new SqliteRefStoreOptions(_temp.Combine("refs.db")),
            TimeProvider = time,
            Tree = TestRepositories.SmallTree,
        });
        await repo.PutTextAsync("main", "a.txt", "1");
        await repo.PutTextAsync("main", "a.txt", "2");
        await repo.PutTextAsync("main", "b.txt", "3");
        await repo.CommitAsync("main", "two objects kept, one overwritten");
        time.SetUtcNow(start.AddHours(25));

        var report = await repo.CollectGarbageAsync();

        Assert.That(report.ObjectsDeleted, Is.EqualTo(1));
        Assert.That(answers.Select(a => a.Key).ToList(), Is.Unique.And.Count.EqualTo(3), "each data object offered once");
        var accepted = answers.Where(a => a.Accepted).Select(a => a.Key).ToList();
        Assert.That(accepted, Has.Count.EqualTo(1), "the two marked objects are refused before their facts are read");
        Assert.That(await store.StatAsync(accepted[0]), Is.Null, "the one accepted is the one deleted");
        Assert.That((await repo.ReadTextAsync("main", "a.txt"), await repo.ReadTextAsync("main", "b.txt")), Is.EqualTo(("2", "3")));
    }

    [Test]
    public async Task A_later_run_lists_again_exactly_the_partitions_whose_objects_newly_expired_commits_used()
    {
        var start = ThisHour();
        var time = new FakeTimeProvider(start);
        await using var repo = await Repository.CreateAsync(Local(time));
        await repo.SetRetentionAsync(new RetentionRules(1));
        for (var i = 0; i < 5; i++)
        {
            await repo.PutTextAsync("main", $"p{i}", "v0");
        }
        await repo.CommitAsync("main", "c0");
        time.SetUtcNow(start.AddDays(1));
        for (var i = 0; i < 5; i++)
        {
            await repo.PutTextAsync("main", $"p{i}", "v1");
        }
        await repo.CommitAsync("main", "c1");
        time.SetUtcNow(start.AddDays(2));
        await repo.PutTextAsync("main", "p0", "v2");
        var c2 = await repo.CommitAsync("main", "c2");

        time.SetUtcNow(start.AddDays(2).AddHours(2));
        var first = await repo.CollectGarbageAsync();
        Assert.That(first.ObjectsDeleted, Is.EqualTo(5), "c0's versions");
        Assert.That(first.PartitionsSwept, Is.EqualTo(3), "days 0, 1 and 2");

        time.SetUtcNow(start.AddDays(3).AddHours(2));
        var second = await repo.CollectGarbageAsync();
        Assert.That(second.CommitsExpired, Is.EqualTo(1), "c1");
        Assert.That(second.ObjectsDeleted, Is.EqualTo(1), "p0 v1: day 1 was clean, but c1's ranges named it, so it is listed again");
        Assert.That(second.PartitionsSwept, Is.EqualTo(2), "day 1 (dirty) and day 2 (not closed last time); day 0 is empty now");

        var third = await repo.CollectGarbageAsync();
        Assert.That((third.PartitionsSwept, third.ObjectsListed, third.ObjectsDeleted), Is.EqualTo((0, 0L, 0L)));
        Assert.That(await GcScenario.ContentAsync(repo, c2.Id), Is.EqualTo(new Dictionary<string, string>
        {
            ["p0"] = "v2", ["p1"] = "v1", ["p2"] = "v1", ["p3"] = "v1", ["p4"] = "v1",
        }));
    }

    [Test]
    public async Task Writers_and_committers_running_during_collection_lose_nothing()
    {
        var start = ThisHour();
        var time = new FakeTimeProvider(start);
        // The store's clock is the fake one: range files are protected by the time the store gives them only, and a
        // local file's time is the real one, hours before this fake clock.
        await using var repo = await Repository.CreateAsync(new RepositoryOptions
        {
            ObjectStore = new MemoryObjectStore(time),
            RefStore = new SqliteRefStoreOptions(_temp.Combine("refs.db")),
            TimeProvider = time,
            Tree = TestRepositories.SmallTree,
        });
        await repo.SetRetentionAsync(new RetentionRules(0));
        const int Branches = 3;
        var models = new Dictionary<string, string>[Branches];
        for (var b = 0; b < Branches; b++)
        {
            models[b] = new Dictionary<string, string>(StringComparer.Ordinal);
            await repo.BranchAsync($"b{b}", "main");
            // Old staged rows, committed only while collection runs: the catch-up must find them in the new commits.
            for (var i = 0; i < 30; i++)
            {
                await repo.PutTextAsync($"b{b}", $"old/{i}", $"old {b} {i}");
                models[b][$"old/{i}"] = $"old {b} {i}";
            }
            await repo.PutTextAsync($"b{b}", "garbage", "overwritten");
            await repo.PutTextAsync($"b{b}", "garbage", "kept");
            models[b]["garbage"] = "kept";
        }
        time.SetUtcNow(start.AddHours(3));
        var gcOptions = new GcOptions { GracePeriod = TimeSpan.FromHours(1) };

        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, Branches).Select(b => Task.Run(async () =>
        {
            var branch = $"b{b}";
            var random = new Random(b);
            for (var step = 0; step < 40; step++)
            {
                switch (random.Next(4))
                {
                    case 0:
                        await repo.CommitAsync(branch, $"step {step}", new CommitOptions { AllowEmpty = true });
                        break;
                    case 1:
                        var path = $"old/{random.Next(30)}";
                        if (models[b].Remove(path))
                        {
                            await repo.DeleteObjectAsync(branch, path);
                        }
                        break;
                    default:
                        var key = $"new/{random.Next(10)}";
                        await repo.PutTextAsync(branch, key, $"{step}");
                        models[b][key] = $"{step}";
                        break;
                }
            }
            await repo.CommitAsync(branch, "last", new CommitOptions { AllowEmpty = true });
        })).ToList();
        var collections = Task.Run(async () =>
        {
            var runs = 0;
            while (!writers.All(w => w.IsCompleted) || runs < 2)
            {
                await repo.CollectGarbageAsync(gcOptions);
                runs++;
            }
            return runs;
        });
        await Task.WhenAll(writers);
        var runs = await collections;
        await repo.CollectGarbageAsync(gcOptions);

        Assert.That(runs, Is.GreaterThanOrEqualTo(2));
        for (var b = 0; b < Branches; b++)
        {
            Assert.That(await GcScenario.ContentAsync(repo, $"b{b}"), Is.EqualTo(models[b]), $"branch b{b}");
        }
        Assert.That((await repo.VerifyAsync()).Problems, Is.Empty);
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    [TestCase(5)]
    [TestCase(6)]
    public async Task Random_histories_and_collections_keep_every_kept_commit_and_leave_no_old_garbage(int seed)
    {
        var random = new Random(seed);
        var start = ThisHour();
        var time = new FakeTimeProvider(start);
        var store = new MemoryObjectStore(time);
        await using var repo = await Repository.CreateAsync(new RepositoryOptions
        {
            ObjectStore = store,
            RefStore = new SqliteRefStoreOptions(_temp.Combine("refs.db")),
            TimeProvider = time,
            Tree = TestRepositories.SmallTree,
        });
        await repo.SetRetentionAsync(new RetentionRules(random.Next(3)) { BranchDays = new Dictionary<string, int> { ["b1"] = random.Next(5) } });
        var grace = TimeSpan.FromHours(random.Next(1, 30));
        var snapshots = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        var branches = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal) { ["main"] = [] };
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        var collections = 0;
        for (var step = 0; step < 150; step++)
        {
            var names = branches.Keys.Order(StringComparer.Ordinal).ToList();
            var branch = names[random.Next(names.Count)];
            var model = branches[branch];
            switch (random.Next(12))
            {
                case 0 or 1 or 2 or 3:
                    var path = $"p{random.Next(8)}";
                    model[path] = $"{step}";
                    await repo.PutTextAsync(branch, path, model[path]);
                    break;
                case 4 when model.Count > 0:
                    var gone = model.Keys.Order(StringComparer.Ordinal).ElementAt(random.Next(model.Count));
                    model.Remove(gone);
                    await repo.DeleteObjectAsync(branch, gone);
                    break;
                case 5 or 6:
                    var commit = await repo.CommitAsync(branch, $"step {step}", new CommitOptions { AllowEmpty = true });
                    snapshots[commit.Id] = new Dictionary<string, string>(model, StringComparer.Ordinal);
                    break;
                case 7 when branches.Count < 4:
                    var name = $"b{step % 3}";
                    if (!branches.ContainsKey(name))
                    {
                        var made = await repo.CommitAsync(branch, $"before {name}", new CommitOptions { AllowEmpty = true });
                        snapshots[made.Id] = new Dictionary<string, string>(model, StringComparer.Ordinal);
                        await repo.BranchAsync(name, branch);
                        branches[name] = new Dictionary<string, string>(model, StringComparer.Ordinal);
                    }
                    break;
                case 8 when branch != "main":
                    await repo.DeleteBranchAsync(branch);
                    branches.Remove(branch);
                    break;
                case 9:
                    var head = (await repo.GetBranchAsync(branch)).Head;
                    await repo.TagAsync($"t{step}", head);
                    tags[$"t{step}"] = head;
                    break;
                case 10:
                    time.Advance(TimeSpan.FromHours(random.Next(1, 40)));
                    break;
                case 11:
                    await repo.CollectGarbageAsync(new GcOptions { GracePeriod = grace });
                    collections++;
                    await CheckAsync();
                    break;
            }
        }
        time.Advance(TimeSpan.FromDays(3));
        await repo.CollectGarbageAsync(new GcOptions { GracePeriod = grace });
        await CheckAsync();
        Assert.That(collections, Is.GreaterThan(3));

        async Task CheckAsync()
        {
            var referenced = new HashSet<string>(StringComparer.Ordinal);
            var refTargets = new HashSet<string>(tags.Values, StringComparer.Ordinal);
            foreach (var name in branches.Keys)
            {
                refTargets.Add((await repo.GetBranchAsync(name)).Head);
            }
            foreach (var (id, content) in snapshots)
            {
                try
                {
                    await repo.GetCommitAsync(id);
                }
                catch (Errors.CommitExpiredException)
                {
                    Assert.That(refTargets, Does.Not.Contain(id), "no ref names an expired commit");
                    continue;
                }
                Assert.That(await GcScenario.ContentAsync(repo, id), Is.EqualTo(content), $"seed {seed}: commit {id[..12]}");
                referenced.UnionWith((await repo.ListObjectsAsync(id).ToListAsync()).Select(i => i.Object!.PhysicalAddress));
            }
            foreach (var (name, content) in branches)
            {
                Assert.That(await GcScenario.ContentAsync(repo, name), Is.EqualTo(content), $"seed {seed}: branch {name}");
                referenced.UnionWith((await repo.ListObjectsAsync(name).ToListAsync()).Select(i => i.Object!.PhysicalAddress));
            }
            var now = time.GetUtcNow();
            await foreach (var file in store.ListAsync("data/"))
            {
                var hour = DateTimeOffset.ParseExact(file.Key[5..15], "yyyyMMddHH", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal);
                var old = hour.AddHours(1) + grace <= now && file.LastModified + grace <= now;
                Assert.That(!old || referenced.Contains(file.Key), Is.True, $"seed {seed}: {file.Key} is unreferenced and older than the grace period");
            }
        }
    }
}
