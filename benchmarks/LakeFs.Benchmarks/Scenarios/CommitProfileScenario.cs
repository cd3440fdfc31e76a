using System.Diagnostics;
using LakeFs.Benchmarks.Infrastructure;
using LakeFs.Core;
using LakeFs.Storage.Memory;

namespace LakeFs.Benchmarks.Scenarios;

/// <summary>
/// Where a large commit's time goes, through public calls only (on demand: <c>--only profile-commit</c>): reading
/// the staged changes alone (<c>DiffUncommittedAsync</c>), the commit of the same changes into the local store and
/// into a repository whose object store is in memory (no file writes: the rest is staging reads, range encoding and
/// hashing), and on the in-memory tree commits of 100 random against 100 clustered changes (what a rewrite costs
/// without the disk). Wall and CPU time each; finer splits inside a commit need a sampling profiler (<c>perf
/// record -g</c> with <c>DOTNET_PerfMapEnabled=1</c>).
/// </summary>
public sealed class CommitProfileScenario : IScenario
{
    public string Name => "profile-commit";

    public string Description => "large commit, public calls: read staged changes / commit into the local store / into a memory store / rewrites";

    public async Task RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var n = context.Options.Scaled(1_000_000, 100);

        // 1. The local store: a copy of the staged template, as commit-1m commits it.
        var folder = await context.Fixtures.CopyOfStagedAsync(n, context);
        await using (var local = await Repository.OpenAsync(folder, cancellationToken))
        {
            long changes = 0;
            var read = await TimedAsync(async () =>
            {
                await foreach (var change in local.DiffUncommittedAsync("main", cancellationToken: cancellationToken))
                {
                    changes++;
                }
            });
            context.Add($"read {changes:N0} staged changes (DiffUncommittedAsync)", "entries/s", [changes / read.Seconds], note: $"CPU {read.CpuMs:N0} ms");
            await CommitAsync(context, local, n, "local store", cancellationToken);
        }
        Directory.Delete(folder, recursive: true);

        // 2. The same entries staged in a repository whose object store is in memory.
        var memoryFolder = context.NewFolder("profile-commit-memory");
        var options = Repository.LocalOptions(memoryFolder) with { ObjectStore = new MemoryObjectStore() };
        await using var memory = await Repository.CreateAsync(options, cancellationToken);
        await context.Fixtures.LinkAsync(memory, "main", Enumerable.Range(0, n), n, context);
        await CommitAsync(context, memory, n, "memory store", cancellationToken);

        // 3. Rewrites on the in-memory tree: random changes touch a range each, clustered ones a single range.
        var k = Math.Min(100, Math.Max(1, n / 10));
        var random = new Random(1);
        var next = 0;
        foreach (var (shape, pick) in new (string, Func<int[]>)[]
        {
            ("random", () => Fixtures.RandomIndexes(random, n, k)),
            ("clustered", () =>
            {
                var start = next;
                next = (next + k + n / 7) % Math.Max(1, n - k);
                return context.Fixtures.Clustered(n, start, k);
            }),
        })
        {
            string? cost = null;
            var metric = await context.MeasureAsync($"commit {k:N0} {shape} changes on {n:N0}, memory store", "ms", async _ =>
            {
                var indexes = pick();
                await context.Fixtures.LinkAsync(memory, "main", indexes, indexes.Length);
                var sw = Stopwatch.StartNew();
                var commit = await memory.CommitAsync("main", $"{k} {shape} changes", cancellationToken: cancellationToken);
                var ms = sw.Elapsed.TotalMilliseconds;
                var s = commit.Statistics!;
                cost = $"last: {s.RangesWritten} ranges / {s.EntriesWritten:N0} entries written ({s.EntriesCopied:N0} in copied blocks), {s.RangesReused} reused";
                return ms;
            });
            context.Replace(metric, metric with { Note = cost });
        }
        context.Log(string.Join("; ", context.Metrics.Where(m => m.Scenario == Name).Select(m => $"{m.Name}: {Report.Format(m.Median)} {m.Unit} ({m.Note})")));
    }

    private static async Task CommitAsync(ScenarioContext context, Repository repo, int n, string store, CancellationToken cancellationToken)
    {
        Core.Model.Commit? commit = null;
        PageCache.FlushDirty();
        var timed = await TimedAsync(async () => commit = await repo.CommitAsync("main", $"load {n:N0}", cancellationToken: cancellationToken));
        var s = commit!.Statistics!;
        context.Add($"commit {n:N0} staged entries, {store}", "entries/s", [n / timed.Seconds],
            note: $"{timed.Seconds:F2} s, CPU {timed.CpuMs:N0} ms, {s.RangesWritten} ranges written");
    }

    private static async Task<(double Seconds, double CpuMs)> TimedAsync(Func<Task> action)
    {
        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        await action();
        var seconds = sw.Elapsed.TotalSeconds;
        process.Refresh();
        return (seconds, (process.TotalProcessorTime - cpu).TotalMilliseconds);
    }
}
