using System.Diagnostics;
using LakeFs.Benchmarks.Infrastructure;
using LakeFs.Core;
using LakeFs.Core.Trees;
using LakeFs.Core.Refs;
using LakeFs.Storage.Memory;

namespace LakeFs.Benchmarks.Scenarios;

/// <summary>
/// Stopwatch breakdown of a large commit (not part of the default run; <c>--only profile-commit</c>): reading the
/// staged rows from SQLite, building ranges from memory into a memory store (encode + hash), the same into the
/// local store (adds file writes), and rewriting a tree for random and for clustered changes.
/// </summary>
public sealed class CommitProfileScenario : IScenario
{
    public string Name => "profile-commit";

    public string Description => "Stopwatch breakdown of a large commit (read staging / encode / write / rewrite)";

    public async Task RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var n = context.Options.Scaled(1_000_000, 100);
        var folder = await context.Fixtures.CopyOfStagedAsync(n, context);
        await using var repo = await Repository.OpenAsync(folder, cancellationToken);
        var token = repo.Refs.FreezeStaging("main").FrozenTokens.Single();

        // 1. Read every staged row (what the commit's change stream costs).
        var rows = new List<(byte[] Key, byte[] Value)>(n);
        var read = await TimedAsync(async () =>
        {
            using var session = repo.Refs.Open();
            await using var cursor = new StagingCursor(session, token, []);
            while (await cursor.MoveNextAsync(cancellationToken))
            {
                rows.Add((cursor.Key.ToArray(), cursor.Value.ToArray()));
            }
        });
        context.Add($"read {n:N0} staged rows (SQLite)", "entries/s", [n / read.Seconds], note: $"CPU {read.CpuMs:N0} ms");

        // 2. Build from memory into a memory store: range encoding, XxHash boundaries, SHA-256 ids.
        var memoryTrees = new TreeStore(new MemoryObjectStore(), TreeOptions.Default, 256L << 20, durable: false);
        var empty = await memoryTrees.PutMetaRangeAsync([], cancellationToken);
        MetaRange? builtTree = null;
        var encode = await TimedAsync(async () => builtTree = (await new TreeBuilder(memoryTrees).BuildAsync(empty, new MemoryCursor(rows), cancellationToken)).Tree);
        var built = builtTree!;
        context.Add($"build {n:N0} entries, memory store", "entries/s", [n / encode.Seconds], note: $"CPU {encode.CpuMs:N0} ms, {built.Ranges.Count} ranges");

        // 3. The same into the repository's local store (adds file writes).
        var local = await TimedAsync(async () => await new TreeBuilder(repo.Trees).BuildAsync(empty, new MemoryCursor(rows), cancellationToken));
        context.Add($"build {n:N0} entries, local store", "entries/s", [n / local.Seconds], note: $"CPU {local.CpuMs:N0} ms");

        // 4. Rewrites on the built tree: 100 random changes vs 100 clustered (contiguous) changes.
        var random = new Random(1);
        foreach (var (label, picks) in new[]
        {
            ("100 random changes", Enumerable.Range(0, 100).Select(_ => random.Next(n)).Distinct().Order().ToArray()),
            ("100 clustered changes", Enumerable.Range(n / 2, Math.Min(100, n / 2)).ToArray()),
        })
        {
            var sorted = picks.Select(i => rows[i]).OrderBy(r => r.Key, ByteComparer.Instance)
                .Select(r => (r.Key, Value: Changed(r.Value))).ToList();
            Core.Model.CommitStatistics? stats = null;
            var rewrite = await TimedAsync(async () => stats = (await new TreeBuilder(memoryTrees).BuildAsync(built, new MemoryCursor(sorted), cancellationToken)).Statistics);
            var s = stats!;
            context.Add($"rewrite for {label} on {n:N0}, memory store", "ms", [rewrite.Seconds * 1000],
                note: $"{s.RangesWritten} ranges / {s.EntriesWritten:N0} entries written, {s.RangesReused} reused; CPU {rewrite.CpuMs:N0} ms");
        }
        context.Log(string.Join("; ", context.Metrics.Where(m => m.Scenario == Name).Select(m => $"{m.Name}: {Report.Format(m.Median)} {m.Unit} ({m.Note})")));
    }

    /// <summary>The same entry with another checksum: a new version of the path.</summary>
    private static byte[] Changed(byte[] value)
    {
        var entry = EntryCodec.Decode(value);
        return EntryCodec.Encode(entry with { Checksum = new string('f', 64) });
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

    private sealed class MemoryCursor(List<(byte[] Key, byte[] Value)> rows) : EntryCursor
    {
        private int _index = -1;

        public override ReadOnlyMemory<byte> Key => rows[_index].Key;

        public override ReadOnlyMemory<byte> Value => rows[_index].Value;

        public override bool IsTombstone => false;

        public override ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken) => ValueTask.FromResult(++_index < rows.Count);
    }

    private sealed class ByteComparer : IComparer<byte[]>
    {
        public static readonly ByteComparer Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
