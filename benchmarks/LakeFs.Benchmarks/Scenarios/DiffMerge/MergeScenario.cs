using System.Diagnostics;
using LakeFs.Benchmarks.Infrastructure;
using LakeFs.Core.Model;

namespace LakeFs.Benchmarks.Scenarios;

/// <summary>
/// Merge (no fast-forward) of a branch with 1,000 committed changes into a 1,000,000-object main that committed
/// 100 changes of its own meanwhile. Each run makes its own branch from the current main, so every merge is a real
/// three-way merge without conflicts.
/// </summary>
public sealed class MergeScenario : IScenario
{
    private int _branches;

    public string Name => "merge";

    public string Description => "merge of a branch with 1,000 changes into a 1,000,000-object main";

    public async Task RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var size = context.Options.Scaled(1_000_000, 100);
        var repo = await context.Fixtures.CommittedAsync(size, context);
        var k = Math.Min(1_000, Math.Max(1, size / 10));
        var random = new Random(7);

        var next = 0;
        foreach (var (shape, pick) in new (string, Func<int[]>)[]
        {
            ("random", () => Fixtures.RandomIndexes(random, size, k)),
            ("clustered", () =>
            {
                var start = next;
                next = (next + k + size / 7) % Math.Max(1, size - k);
                return context.Fixtures.Clustered(size, start, k);
            }),
        })
        {
            await context.MeasureAsync($"merge {k:N0} {shape} changes into {size:N0} objects", "ms", async _ =>
            {
                var branch = $"merge-{Interlocked.Increment(ref _branches)}";
                await repo.BranchAsync(branch, "main", cancellationToken);
                var indexes = pick();
                await context.Fixtures.LinkAsync(repo, branch, indexes, indexes.Length);
                await repo.CommitAsync(branch, $"{k} changes", cancellationToken: cancellationToken);
                // Main moves on meanwhile with changes of its own (other paths), so the merge is a real three-way
                // merge: ranges both sides changed are merged entry by entry, the rest taken whole.
                var others = Fixtures.RandomIndexes(random, size, Math.Max(1, k / 10)).Except(indexes).ToArray();
                await context.Fixtures.LinkAsync(repo, "main", others, others.Length);
                await repo.CommitAsync("main", "meanwhile on main", cancellationToken: cancellationToken);

                var sw = Stopwatch.StartNew();
                await repo.MergeAsync(branch, "main", new MergeOptions { FastForward = FastForward.Never, Message = $"merge {branch}" }, cancellationToken);
                return sw.Elapsed.TotalMilliseconds;
            }, Goal.Max(200));
        }
    }
}
