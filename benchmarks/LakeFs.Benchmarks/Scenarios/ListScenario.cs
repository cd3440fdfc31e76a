using System.Diagnostics;
using LakeFs.Benchmarks.Infrastructure;

namespace LakeFs.Benchmarks.Scenarios;

/// <summary>Full listing of the 1,000,000-object commit, in path order.</summary>
public sealed class ListScenario : IScenario
{
    public string Name => "list";

    public string Description => "full listing of 1,000,000 entries";

    public async Task RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var size = context.Options.Scaled(1_000_000, 100);
        var repo = await context.Fixtures.CommittedAsync(size, context);
        var head = (await repo.GetBranchAsync("main", cancellationToken)).Head;
        foreach (var (label, @ref) in new[] { ("commit id", head), ("branch main", "main") })
        {
            await context.MeasureAsync($"list {size:N0} entries by {label}", "entries/s", async _ =>
            {
                var sw = Stopwatch.StartNew();
                long count = 0;
                await foreach (var item in repo.ListObjectsAsync(@ref, cancellationToken: cancellationToken))
                {
                    count++;
                }
                var rate = count / sw.Elapsed.TotalSeconds;
                if (count < size)
                {
                    throw new InvalidOperationException($"Listed {count} entries, expected at least {size}.");
                }
                return rate;
            }, label == "commit id" ? Goal.Min(1_000_000) : null, runs: Math.Min(context.Options.Runs, 3));
        }
    }
}
