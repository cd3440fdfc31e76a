using System.Diagnostics;
using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.Storage;
using LakeFs.Core.Tests.TestSupport;
using LakeFs.Storage;
using Microsoft.Extensions.Logging;

namespace LakeFs.Core.Tests.Diagnostics;

/// <summary>
/// The spans, metrics and log categories of the <c>LakeFs</c> ActivitySource, Meter and loggers, observed through the
/// System.Diagnostics listeners an OpenTelemetry SDK would use.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class TelemetryTests
{
    [Test]
    public async Task A_commit_records_its_span_duration_and_the_puts_before_it()
    {
        using var temp = new TempDirectory();
        using var telemetry = new TelemetryRecorder();
        await using var repo = await TestRepositories.CreateLocalAsync(temp.Path);

        await repo.PutTextAsync("main", "a.txt", "hello");
        await repo.PutTextAsync("main", "b.txt", "world!");
        var commit = await repo.CommitAsync("main", "two files");

        var puts = telemetry.SpansOf(repo, "lakefs.put");
        Assert.That(puts, Has.Count.EqualTo(2));
        Assert.That(puts.Select(p => p.GetTagItem("lakefs.object.size")), Is.EquivalentTo(new object[] { 5L, 6L }));
        Assert.That(puts.Select(p => p.GetTagItem("lakefs.branch")), Is.All.EqualTo("main"));
        var span = telemetry.SpansOf(repo, "lakefs.commit").Single();
        Assert.That(span.Status, Is.EqualTo(ActivityStatusCode.Unset));
        Assert.That(span.GetTagItem("lakefs.branch"), Is.EqualTo("main"));
        Assert.That(span.GetTagItem("lakefs.commit.id"), Is.EqualTo(commit.Id));
        Assert.That(span.GetTagItem("lakefs.changes"), Is.EqualTo(2L));
        Assert.That(span.GetTagItem("lakefs.ranges.written"), Is.EqualTo(commit.Statistics!.RangesWritten));
        Assert.That(span.GetTagItem("lakefs.ranges.reused"), Is.EqualTo(commit.Statistics.RangesReused));

        var mine = telemetry.Measurements.Where(m => (string?)m.Tag("lakefs.repository.id") == repo.Id).ToList();
        Assert.That(mine.Where(m => m.Instrument == "lakefs.objects.puts").Sum(m => m.Value), Is.EqualTo(2));
        Assert.That(mine.Where(m => m.Instrument == "lakefs.objects.bytes_written").Sum(m => m.Value), Is.EqualTo(11));
        var duration = mine.Single(m => m.Instrument == "lakefs.commit.duration");
        Assert.That(duration.Value, Is.GreaterThanOrEqualTo(0));
        Assert.That(duration.Tags, Does.Not.ContainKey("error.type"));
    }

    [Test]
    public async Task A_failed_commit_marks_its_span_and_duration_with_the_error()
    {
        using var temp = new TempDirectory();
        using var telemetry = new TelemetryRecorder();
        await using var repo = await TestRepositories.CreateLocalAsync(temp.Path);

        Assert.That(async () => await repo.CommitAsync("main", "nothing"), Throws.InstanceOf<NoChangesException>());

        var span = telemetry.SpansOf(repo, "lakefs.commit").Single();
        Assert.That(span.Status, Is.EqualTo(ActivityStatusCode.Error));
        Assert.That(span.GetTagItem("error.type"), Is.EqualTo(typeof(NoChangesException).FullName));
        Assert.That(span.Events.Select(e => e.Name), Does.Contain("exception"));
        var duration = telemetry.Of("lakefs.commit.duration").Single(m => (string?)m.Tag("lakefs.repository.id") == repo.Id);
        Assert.That(duration.Tag("error.type"), Is.EqualTo(typeof(NoChangesException).FullName));
    }

    [Test]
    public async Task A_merge_records_its_span_and_duration()
    {
        using var temp = new TempDirectory();
        await using var repo = await TestRepositories.CreateLocalAsync(temp.Path);
        await repo.PutTextAsync("main", "base.txt", "base");
        await repo.CommitAsync("main", "base");
        await repo.BranchAsync("feature", "main");
        await repo.PutTextAsync("feature", "f.txt", "feature");
        await repo.CommitAsync("feature", "feature");
        await repo.PutTextAsync("main", "m.txt", "main");
        await repo.CommitAsync("main", "main");
        using var telemetry = new TelemetryRecorder();

        var result = await repo.MergeAsync("feature", "main");

        var span = telemetry.SpansOf(repo, "lakefs.merge").Single();
        Assert.That(span.GetTagItem("lakefs.branch"), Is.EqualTo("main"));
        Assert.That(span.GetTagItem("lakefs.ref"), Is.EqualTo("feature"));
        Assert.That(span.GetTagItem("lakefs.commit.id"), Is.EqualTo(result.Head));
        Assert.That(span.GetTagItem("lakefs.changes"), Is.EqualTo(1L));
        Assert.That(span.GetTagItem("lakefs.merge.fast_forward"), Is.False);
        Assert.That(span.GetTagItem("lakefs.ranges.written"), Is.EqualTo(result.Commit!.Statistics!.RangesWritten));
        Assert.That(telemetry.Of("lakefs.merge.duration").Count(m => (string?)m.Tag("lakefs.repository.id") == repo.Id), Is.EqualTo(1));
        Assert.That(telemetry.SpansOf(repo, "lakefs.commit"), Is.Empty, "a merge is not a commit span");
    }

    [Test]
    public async Task Diff_revert_reset_and_gc_record_spans()
    {
        using var temp = new TempDirectory();
        await using var repo = await TestRepositories.CreateLocalAsync(temp.Path);
        await repo.PutTextAsync("main", "a.txt", "a");
        var first = await repo.CommitAsync("main", "a");
        await repo.PutTextAsync("main", "b.txt", "b");
        var second = await repo.CommitAsync("main", "b");
        using var telemetry = new TelemetryRecorder();

        var changes = await repo.DiffAsync(first.Id, second.Id).ToListAsync();
        await repo.RevertAsync("main", second.Id);
        await repo.PutTextAsync("main", "c.txt", "c");
        await repo.ResetAsync("main");
        await repo.CollectGarbageAsync(new GcOptions { DryRun = true });

        Assert.That(changes, Has.Count.EqualTo(1));
        Assert.That(telemetry.SpansOf(repo, "lakefs.diff").Single().GetTagItem("lakefs.changes"), Is.EqualTo(1L));
        Assert.That(telemetry.SpansOf(repo, "lakefs.revert").Single().GetTagItem("lakefs.ref"), Is.EqualTo(second.Id));
        Assert.That(telemetry.SpansOf(repo, "lakefs.reset").Single().GetTagItem("lakefs.branch"), Is.EqualTo("main"));
        Assert.That(telemetry.SpansOf(repo, "lakefs.gc").Single().GetTagItem("lakefs.gc.dry_run"), Is.True);
    }

    [Test]
    public async Task Range_cache_lookups_count_a_miss_then_a_hit()
    {
        using var temp = new TempDirectory();
        await using (var repo = await TestRepositories.CreateLocalAsync(temp.Path))
        {
            await repo.PutTextAsync("main", "a.txt", "a");
            await repo.CommitAsync("main", "a");
        }
        await using var reopened = await Repository.OpenAsync(temp.Path);
        using var telemetry = new TelemetryRecorder();

        await reopened.StatObjectAsync("main", "a.txt");
        var afterFirst = telemetry.Measurements.ToList();
        await reopened.StatObjectAsync("main", "a.txt");
        var second = telemetry.Measurements.Skip(afterFirst.Count).ToList();

        Assert.That(afterFirst.Any(m => m.Instrument == "lakefs.cache.misses" && (string?)m.Tag("lakefs.cache") == "range"), Is.True);
        Assert.That(second.Any(m => m.Instrument == "lakefs.cache.hits" && (string?)m.Tag("lakefs.cache") == "range"), Is.True);
        Assert.That(second.Where(m => m.Instrument == "lakefs.cache.misses").Select(m => m.Tag("lakefs.cache")), Does.Not.Contain("range"));
    }

    [Test]
    public async Task A_retried_storage_call_is_counted_and_logged_at_warning_with_attempt_and_error()
    {
        using var telemetry = new TelemetryRecorder();
        var logs = new CapturingLoggerFactory();
        var flaky = new FlakyObjectStore();
        var store = new RetryingObjectStore(flaky, new ObjectStoreRetryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.Zero, LoggerFactory = logs });
        await store.PutAsync("k", new MemoryStream("v"u8.ToArray()));
        flaky.FailuresLeft = 2;

        Assert.That(await store.StatAsync("k"), Is.Not.Null);

        var retries = telemetry.Of("lakefs.storage.retries");
        Assert.That(retries.Sum(m => m.Value), Is.EqualTo(2));
        Assert.That(retries.Select(m => m.Tag("lakefs.storage.operation")), Is.All.EqualTo("stat"));
        var warnings = logs.Entries.ToList();
        Assert.That(warnings, Has.Count.EqualTo(2));
        Assert.That(warnings.Select(w => w.Category), Is.All.EqualTo("LakeFs.Storage.RetryingObjectStore"));
        Assert.That(warnings.Select(w => w.Level), Is.All.EqualTo(LogLevel.Warning));
        Assert.That(warnings.Select(w => w.Value("Attempt")), Is.EqualTo(new object[] { 1, 2 }));
        Assert.That(warnings.Select(w => w.Value("Key")), Is.All.EqualTo("k"));
        Assert.That(warnings.Select(w => w.Exception), Is.All.InstanceOf<TransientStorageException>());
    }

    [Test]
    public async Task Each_component_logs_under_its_own_category()
    {
        using var temp = new TempDirectory();
        var logs = new CapturingLoggerFactory();
        var options = Repository.LocalOptions(temp.Path) with { Tree = TestRepositories.SmallTree, LoggerFactory = logs };
        await using var repo = await Repository.CreateAsync(options);

        await repo.PutTextAsync("main", "a.txt", "a");
        var commit = await repo.CommitAsync("main", "a");
        await repo.CollectGarbageAsync(new GcOptions { DryRun = true });

        var committed = logs.Entries.Single(e => e.EventId.Id == 1004);
        Assert.That(committed.Category, Is.EqualTo("LakeFs.Core.Repository"));
        Assert.That(committed.Value("Commit"), Is.EqualTo(commit.Id));
        Assert.That(logs.Entries.Single(e => e.EventId.Id == 3001).Category, Is.EqualTo("LakeFs.Core.Gc.GarbageCollector"));
    }

    [Test]
    public async Task The_single_logger_option_still_receives_every_component()
    {
        using var temp = new TempDirectory();
        var logs = new CapturingLoggerFactory();
        var options = Repository.LocalOptions(temp.Path) with { Tree = TestRepositories.SmallTree, Logger = logs.CreateLogger("mine") };
        await using var repo = await Repository.CreateAsync(options);

        await repo.PutTextAsync("main", "a.txt", "a");
        await repo.CommitAsync("main", "a");
        await repo.CollectGarbageAsync(new GcOptions { DryRun = true });

        Assert.That(logs.Entries.Select(e => e.EventId.Id), Is.SupersetOf(new[] { 1004, 3001 }));
        Assert.That(logs.Entries.Select(e => e.Category), Is.All.EqualTo("mine"));
    }
}
