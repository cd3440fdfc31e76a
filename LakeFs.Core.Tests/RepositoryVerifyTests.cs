using LakeFs.Core.Model;
using LakeFs.Core.Tests.TestSupport;
using LakeFs.Core.Tests.Verification;
using LakeFs.Core.Trees;
using LakeFs.Storage.Local;
using Microsoft.Data.Sqlite;

namespace LakeFs.Core.Tests;

/// <summary>
/// VerifyAsync (fsck) reads everything reachable once and names the commit, path and file of each kind of damage:
/// a flipped byte or a truncation in a range, a missing range or metarange, a missing or resized data object, a
/// head pointing at a missing commit. A clean repository reports nothing.
/// </summary>
public sealed class RepositoryVerifyTests
{
    private TempDirectory _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempDirectory();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    private string Objects => _temp.Combine(Repository.LocalObjectsFolderName);

    private string FileOf(string key) => Path.Combine(Objects, key);

    /// <summary>Collects progress reports as they are made (Progress&lt;T&gt; would post them later).</summary>
    private sealed class ProgressLog(Action<VerifyProgress>? onReport = null) : IProgress<VerifyProgress>
    {
        public List<VerifyProgress> Reports { get; } = [];

        public void Report(VerifyProgress value)
        {
            lock (Reports)
            {
                Reports.Add(value);
            }
            onReport?.Invoke(value);
        }
    }

    private RepositoryOptions Options => Repository.LocalOptions(_temp.Path) with { Tree = TestRepositories.SmallTree };

    /// <summary>
    /// A history with shared ranges: 120 objects on main over small ranges, three more commits each changing one
    /// path, a branch with a merge back, a tag on an old commit, and an uncommitted put on the branch.
    /// </summary>
    private static async Task<(Repository Repo, Commit Load)> HistoryAsync(RepositoryOptions options)
    {
        var repo = await Repository.CreateAsync(options);
        for (var i = 0; i < 120; i++)
        {
            await repo.PutTextAsync("main", $"tables/t{i % 3}/part-{i:D4}.txt", $"row {i} " + new string('x', i));
        }
        var load = await repo.CommitAsync("main", "load");
        await repo.TagAsync("v1", "main");
        for (var c = 0; c < 3; c++)
        {
            await repo.PutTextAsync("main", $"tables/t{c}/part-{c * 7:D4}.txt", $"changed {c}");
            await repo.CommitAsync("main", $"change {c}");
        }
        await repo.BranchAsync("feature", "main");
        await repo.PutTextAsync("feature", "tables/t9/new.txt", "feature");
        await repo.CommitAsync("feature", "feature work");
        await repo.PutTextAsync("main", "tables/t0/part-0100.txt", "main again");
        await repo.CommitAsync("main", "main work");
        await repo.MergeAsync("feature", "main");
        await repo.CommitAsync("feature", "after merge", new CommitOptions { AllowEmpty = true });
        await repo.PutTextAsync("feature", "tables/t9/staged.txt", "uncommitted");
        return (repo, load);
    }

    private IEnumerable<string> FilesUnder(string prefix) =>
        Directory.EnumerateFiles(FileOf(prefix)).Select(f => prefix + Path.GetFileName(f));

    /// <summary>The range file of <paramref name="commit"/>'s tree holding <paramref name="path"/>.</summary>
    private async Task<string> RangeHoldingAsync(Commit commit, string path)
    {
        var trees = new TreeStore(new LocalObjectStore(Objects), TestRepositories.SmallTree, 1 << 20, durable: false);
        var tree = await trees.GetMetaRangeAsync(commit.MetaRangeId, CancellationToken.None);
        return TreeStore.RangePrefix + tree.Ranges[tree.FindRangeHolding(System.Text.Encoding.UTF8.GetBytes(path))].Id;
    }

    private static string Describe(VerifyReport report) => string.Join("\n", report.Problems.Select(p => $"{p.Kind}: {p.Message}"));

    /// <summary>The report's one problem, of <paramref name="kind"/>.</summary>
    private static VerifyProblem Single(VerifyReport report, VerifyProblemKind kind)
    {
        Assert.That(report.IsClean, Is.False, "the damage is found");
        Assert.That(report.Problems.Select(p => p.Kind), Is.EqualTo(new[] { kind }), Describe(report));
        Assert.That(report.ProblemCount, Is.EqualTo(1));
        return report.Problems[0];
    }

    [Test]
    public async Task A_clean_repository_reports_nothing_and_reads_every_tree_file_and_stats_every_object_once()
    {
        var store = new CountingObjectStore(new LocalObjectStore(Objects));
        var options = Options with { ObjectStore = store };
        var (built, _) = await HistoryAsync(options);
        await built.DisposeAsync();
        await using var repo = await Repository.OpenAsync(options);
        store.Clear();
        var progress = new ProgressLog();

        var report = await repo.VerifyAsync(progress: progress);

        Assert.That(report.Problems, Is.Empty, Describe(report));
        Assert.That(report.IsClean);
        var commits = (await repo.LogAsync("main").ToListAsync()).Concat(await repo.LogAsync("feature").ToListAsync()).Select(c => c.Id).Distinct().Count();
        Assert.That(report.Commits, Is.EqualTo(commits), "every commit reachable from a branch or tag, once");
        var ranges = FilesUnder(TreeStore.RangePrefix).ToList();
        var metaRanges = FilesUnder(TreeStore.MetaRangePrefix).ToList();
        Assert.That(ranges, Has.Count.GreaterThan(10), "the history spans many small ranges");
        Assert.That(report.Ranges, Is.EqualTo(ranges.Count), "every range file written is reachable here");
        Assert.That(report.MetaRanges, Is.EqualTo(metaRanges.Count));
        Assert.That(ranges.Concat(metaRanges).Select(k => store.Reads.GetValueOrDefault(k)), Is.All.EqualTo(1), "each tree file read once, however many commits share it");
        var dataStats = store.Stats.Where(s => s.Key.StartsWith("data/", StringComparison.Ordinal)).ToList();
        Assert.That(dataStats.Select(s => s.Value), Is.All.EqualTo(1), "each data object stat'd once");
        Assert.That(report.Objects, Is.EqualTo(dataStats.Count));
        Assert.That(report.Objects, Is.EqualTo(Directory.EnumerateFiles(FileOf("data"), "*", SearchOption.AllDirectories).Count()),
            "every data object written is named by some entry (committed or staged)");
        Assert.That(store.Reads.Keys.Where(k => k.StartsWith("data/", StringComparison.Ordinal)), Is.Empty, "no content read unless asked");
        Assert.That(progress.Reports, Is.Not.Empty);
        Assert.That(progress.Reports[^1], Is.EqualTo(new VerifyProgress
        {
            Commits = report.Commits,
            MetaRanges = report.MetaRanges,
            Ranges = report.Ranges,
            Entries = report.Entries,
            Objects = report.Objects,
            Problems = 0,
        }));

        var withContent = await repo.VerifyAsync(new VerifyOptions { CheckContent = true });
        Assert.That(withContent.IsClean, Describe(withContent));
        Assert.That(store.Reads.Keys.Count(k => k.StartsWith("data/", StringComparison.Ordinal)), Is.EqualTo(report.Objects), "the content check reads each object");
        var metadataOnly = await repo.VerifyAsync(new VerifyOptions { CheckObjects = false });
        Assert.That(metadataOnly.IsClean);
        Assert.That(metadataOnly.Objects, Is.Zero);
        Assert.That(metadataOnly.Ranges, Is.EqualTo(report.Ranges));
    }

    [Test]
    public async Task A_flipped_byte_in_a_range_is_reported_once_with_a_commit_path_and_file_though_the_range_is_cached()
    {
        var (repo, load) = await HistoryAsync(Options);
        await using var _ = repo;
        var range = await RangeHoldingAsync(load, "tables/t1/part-0064.txt");
        Assert.That(await repo.ReadTextAsync("v1", "tables/t1/part-0064.txt"), Does.StartWith("row 64"), "the range is in the cache now");
        var bytes = await File.ReadAllBytesAsync(FileOf(range));
        bytes[10] ^= 0x40;
        await File.WriteAllBytesAsync(FileOf(range), bytes);

        var problem = Single(await repo.VerifyAsync(), VerifyProblemKind.CorruptRange);

        Assert.That(problem.File, Is.EqualTo(range));
        Assert.That(problem.CommitId, Is.Not.Null);
        Assert.That(problem.Ref, Is.Not.Null);
        Assert.That(problem.Path, Does.StartWith("tables/"));
        Assert.That(problem.Message, Does.Contain(range).And.Contain(problem.CommitId).And.Contain("fails its checksum").And.Contain("Restore"));
    }

    [Test]
    public async Task A_truncated_range_is_reported()
    {
        var (repo, load) = await HistoryAsync(Options);
        await using var _ = repo;
        var range = await RangeHoldingAsync(load, "tables/t2/part-0005.txt");
        var length = new FileInfo(FileOf(range)).Length;
        await using (var file = new FileStream(FileOf(range), FileMode.Open, FileAccess.Write))
        {
            file.SetLength(length / 2);
        }

        var problem = Single(await repo.VerifyAsync(), VerifyProblemKind.CorruptRange);

        Assert.That(problem.File, Is.EqualTo(range));
        Assert.That(problem.Message, Does.Contain($"{length / 2} bytes").Or.Contain("footer"));
    }

    [Test]
    public async Task A_missing_range_is_reported_with_the_paths_it_covered()
    {
        var (repo, load) = await HistoryAsync(Options);
        await using var _ = repo;
        var range = await RangeHoldingAsync(load, "tables/t0/part-0033.txt");
        File.Delete(FileOf(range));

        var problem = Single(await repo.VerifyAsync(), VerifyProblemKind.MissingRange);

        Assert.That(problem.File, Is.EqualTo(range));
        Assert.That(string.CompareOrdinal(problem.Path, "tables/t0/part-0033.txt"), Is.LessThanOrEqualTo(0), "the first path the range covers");
        Assert.That(problem.Message, Does.Contain("missing"));
    }

    [Test]
    public async Task A_missing_metarange_is_reported_with_its_commit()
    {
        var (repo, load) = await HistoryAsync(Options);
        await using var _ = repo;
        var key = TreeStore.MetaRangePrefix + load.MetaRangeId;
        File.Delete(FileOf(key));

        var problem = Single(await repo.VerifyAsync(), VerifyProblemKind.MissingMetaRange);

        Assert.That(problem.File, Is.EqualTo(key));
        Assert.That(problem.CommitId, Is.EqualTo(load.Id));
        Assert.That(problem.Ref, Is.EqualTo("feature"), "branches by name are walked first, then tags");
    }

    [Test]
    public async Task A_missing_data_object_is_reported_for_a_committed_and_an_uncommitted_entry()
    {
        var (repo, load) = await HistoryAsync(Options);
        await using var _ = repo;
        var committed = await repo.StatObjectAsync("v1", "tables/t1/part-0010.txt");
        var staged = await repo.StatObjectAsync("feature", "tables/t9/staged.txt");
        File.Delete(FileOf(committed.PhysicalAddress));
        File.Delete(FileOf(staged.PhysicalAddress));

        var report = await repo.VerifyAsync();

        Assert.That(report.Problems.Select(p => p.Kind), Is.EqualTo(new[] { VerifyProblemKind.MissingObject, VerifyProblemKind.MissingObject }), Describe(report));
        var inCommit = report.Problems.Single(p => p.Path == "tables/t1/part-0010.txt");
        Assert.That(inCommit.File, Is.EqualTo(committed.PhysicalAddress));
        Assert.That(inCommit.CommitId, Is.Not.Null);
        Assert.That(inCommit.Message, Does.Contain(committed.PhysicalAddress).And.Contain(inCommit.CommitId));
        var uncommitted = report.Problems.Single(p => p.Path == "tables/t9/staged.txt");
        Assert.That(uncommitted.CommitId, Is.Null);
        Assert.That(uncommitted.Ref, Is.EqualTo("feature"));
        Assert.That(uncommitted.File, Is.EqualTo(staged.PhysicalAddress));
        Assert.That(uncommitted.Message, Does.Contain("uncommitted on branch 'feature'"));
    }

    [Test]
    public async Task A_data_object_of_the_wrong_size_is_reported_and_changed_bytes_only_when_content_is_checked()
    {
        var (repo, _) = await HistoryAsync(Options);
        await using var __ = repo;
        var grown = await repo.StatObjectAsync("main", "tables/t2/part-0050.txt");
        var changed = await repo.StatObjectAsync("main", "tables/t0/part-0060.txt");
        await File.AppendAllTextAsync(FileOf(grown.PhysicalAddress), "more");
        var bytes = await File.ReadAllBytesAsync(FileOf(changed.PhysicalAddress));
        bytes[0] ^= 1;
        await File.WriteAllBytesAsync(FileOf(changed.PhysicalAddress), bytes);

        var problem = Single(await repo.VerifyAsync(), VerifyProblemKind.ObjectSizeMismatch);
        Assert.That(problem.Path, Is.EqualTo("tables/t2/part-0050.txt"));
        Assert.That(problem.File, Is.EqualTo(grown.PhysicalAddress));
        Assert.That(problem.Message, Does.Contain($"{grown.Size + 4} bytes, not the {grown.Size}"));

        var report = await repo.VerifyAsync(new VerifyOptions { CheckContent = true });
        Assert.That(report.Problems.Select(p => (p.Kind, p.Path)), Is.EquivalentTo(new[]
        {
            (VerifyProblemKind.ObjectSizeMismatch, "tables/t2/part-0050.txt"),
            (VerifyProblemKind.ObjectChecksumMismatch, "tables/t0/part-0060.txt"),
        }), Describe(report));
    }

    [Test]
    public async Task A_head_pointing_at_a_missing_commit_and_a_missing_parent_are_reported()
    {
        var (repo, load) = await HistoryAsync(Options);
        var feature = await repo.GetBranchAsync("feature");
        await repo.DisposeAsync();
        var missing = new string('a', 64);
        Damage($"UPDATE branches SET head = '{missing}' WHERE name = 'feature'");

        await using (var reopened = await Repository.OpenAsync(Options))
        {
            var problem = Single(await reopened.VerifyAsync(), VerifyProblemKind.MissingCommit);
            Assert.That(problem.Ref, Is.EqualTo("feature"));
            Assert.That(problem.CommitId, Is.EqualTo(missing));
            Assert.That(problem.File, Does.Contain(_temp.Combine(Repository.LocalRefStoreFileName)), "names the ref store");
            Assert.That(problem.Message, Does.Contain($"Branch 'feature' points at commit {missing}"));
        }

        // Put the head back and lose the first commit instead: the tag's commit names a parent that is gone.
        var first = (await ReadFirstCommitIdAsync());
        Damage($"UPDATE branches SET head = '{feature.Head}' WHERE name = 'feature'; DELETE FROM commits WHERE id = '{first}'");
        await using (var reopened = await Repository.OpenAsync(Options))
        {
            var problem = Single(await reopened.VerifyAsync(), VerifyProblemKind.MissingCommit);
            Assert.That(problem.CommitId, Is.EqualTo(first));
            Assert.That(problem.Message, Does.Contain($"ommit {load.Id}").And.Contain($"names parent {first}"));
        }
    }

    [Test]
    public async Task A_commit_row_changed_in_the_ref_store_is_reported()
    {
        var (repo, load) = await HistoryAsync(Options);
        await repo.DisposeAsync();
        Damage($"UPDATE commits SET message = 'rewritten' WHERE id = '{load.Id}'");

        await using var reopened = await Repository.OpenAsync(Options);
        var problem = Single(await reopened.VerifyAsync(), VerifyProblemKind.CorruptCommit);
        Assert.That(problem.CommitId, Is.EqualTo(load.Id));
    }

    [Test]
    public async Task Cancelling_while_it_runs_throws_and_a_bad_option_is_refused()
    {
        var (repo, _) = await HistoryAsync(Options);
        await using var __ = repo;
        using var cancel = new CancellationTokenSource();
        var progress = new ProgressLog(p =>
        {
            if (p.Ranges > 0)
            {
                cancel.Cancel();
            }
        });
        Assert.That(async () => await repo.VerifyAsync(null, progress, cancel.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(progress.Reports, Is.Not.Empty, "it had started");
        Assert.That(async () => await repo.VerifyAsync(new VerifyOptions { MaxParallelism = 0 }), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(async () => await repo.VerifyAsync(new VerifyOptions { CheckObjects = false, CheckContent = true }), Throws.ArgumentException);
    }

    [Test]
    public async Task Problems_beyond_the_limit_are_counted_not_kept()
    {
        var (repo, _) = await HistoryAsync(Options);
        await using var __ = repo;
        foreach (var file in Directory.EnumerateFiles(FileOf("data"), "*", SearchOption.AllDirectories))
        {
            File.Delete(file);
        }

        var report = await repo.VerifyAsync(new VerifyOptions { MaxProblems = 5 });

        Assert.That(report.Problems, Has.Count.EqualTo(5));
        Assert.That(report.ProblemCount, Is.EqualTo(report.Objects));
        Assert.That(report.Problems.Select(p => p.Kind), Is.All.EqualTo(VerifyProblemKind.MissingObject));
    }

    private async Task<string> ReadFirstCommitIdAsync()
    {
        await using var repo = await Repository.OpenAsync(Options);
        var log = await repo.LogAsync("v1").ToListAsync();
        return log[^1].Id;
    }

    /// <summary>Runs SQL on the closed ref store with a plain connection, as a damaging tool would.</summary>
    private void Damage(string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _temp.Combine(Repository.LocalRefStoreFileName), Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
