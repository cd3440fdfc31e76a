using System.Diagnostics;
using LakeFs.Benchmarks.Infrastructure;
using LakeFs.Core.Trees;
using LakeFs.Core.Refs;

namespace LakeFs.Benchmarks.Scenarios;

/// <summary>
/// Stopwatch breakdown of a warm stat by commit id (on demand: <c>--only profile-stat</c>): each stage of the lookup
/// path run alone over the same random keys, in ns per lookup, beside the whole public call.
/// </summary>
public sealed class StatProfileScenario : IScenario
{
    public string Name => "profile-stat";

    public string Description => "Stopwatch breakdown of a warm stat (validate / resolve / metarange / range / block seek / decode)";

    public async Task RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var size = context.Options.Scaled(1_000_000, 100);
        var repo = await context.Fixtures.CommittedAsync(size, context);
        var lookups = context.Options.Scaled(200_000, 100);
        var random = new Random(42);
        var paths = Enumerable.Range(0, lookups).Select(_ => Fixtures.PathOf(random.Next(size))).ToArray();
        var keys = paths.Select(Names.ValidatePath).ToArray();
        var head = (await repo.GetBranchAsync("main", cancellationToken)).Head;
        var commit = await repo.GetCommitAsync(head, cancellationToken);
        var tree = await repo.Trees.GetMetaRangeAsync(commit.MetaRangeId, cancellationToken);
        foreach (var key in keys)
        {
            await repo.StatObjectAsync(head, System.Text.Encoding.UTF8.GetString(key), cancellationToken);
        }

        var ranges = new RangeReader[keys.Length];
        var values = new ReadOnlyMemory<byte>[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            ranges[i] = await repo.Trees.GetRangeAsync(tree.Ranges[tree.FindRange(keys[i])].Id, cancellationToken);
            ranges[i].TryGet(keys[i], out values[i]);
        }

        var stages = new List<(string Stage, Func<int, ValueTask> Body)>
        {
            ("whole StatObjectAsync(commit id)", async i => await repo.StatObjectAsync(head, paths[i], cancellationToken)),
            ("Names.ValidatePath", i => { Names.ValidatePath(paths[i]); return ValueTask.CompletedTask; }),
            ("RefExpression.Parse(commit id)", _ => { RefExpression.Parse(head); return ValueTask.CompletedTask; }),
            ("GetCommitAsync(commit id) (resolve + commit cache)", async _ => await repo.GetCommitAsync(head, cancellationToken)),
            ("TreeStore.GetMetaRangeAsync (cache hit)", async _ => await repo.Trees.GetMetaRangeAsync(commit.MetaRangeId, cancellationToken)),
            ("MetaRange.FindRange", i => { tree.FindRange(keys[i]); return ValueTask.CompletedTask; }),
            ("TreeStore.GetRangeAsync (cache hit)", async i => await repo.Trees.GetRangeAsync(tree.Ranges[tree.FindRange(keys[i])].Id, cancellationToken)),
            ("RangeReader.TryGet (block seek)", i => { ranges[i].TryGet(keys[i], out _); return ValueTask.CompletedTask; }),
            ("EntryCodec.Decode", i => { EntryCodec.Decode(values[i].Span); return ValueTask.CompletedTask; }),
        };
        foreach (var (stage, body) in stages)
        {
            for (var i = 0; i < Math.Min(1000, keys.Length); i++)
            {
                await body(i);
            }
            var gen0 = GC.CollectionCount(0);
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < keys.Length; i++)
            {
                await body(i);
            }
            var ns = sw.Elapsed.TotalNanoseconds / keys.Length;
            var bytes = (GC.GetAllocatedBytesForCurrentThread() - allocated) / keys.Length;
            context.Add(stage, "ns/lookup", [ns], note: $"{bytes:N0} B allocated per call, {GC.CollectionCount(0) - gen0} gen0 GCs");
        }
        context.Log(string.Join("; ", context.Metrics.Where(m => m.Scenario == Name).Select(m => $"{m.Name}: {Report.Format(m.Median)} ns")));
    }
}
