using System.Diagnostics;
using LakeFs.Benchmarks.Infrastructure;

namespace LakeFs.Benchmarks.Scenarios;

/// <summary>Full listing of the 1,000,000-object commit in path order, by commit id and by branch.</summary>
public sealed class ListScenario : IScenario
{
    public string Name => "list";

    public string Description => "full listing of 1,000,000 entries";

    public async Task RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var size = context.Options.Scaled(1_000_000, 100);
        var repo = await context.Fixtures.CommittedAsync(size, context);
        var head = (await repo.GetBranchAsync("main", cancellationToken)).Head;
        // Issue 15 sets the branch goal (reading a branch is what users do most) above the commit id one.
        foreach (var (label, @ref, goal) in new (string, string, Goal)[] { ("commit id", head, Goal.Min(1_000_000)), ("branch main", "main", Goal.Min(1_500_000)) })
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
            }, goal, runs: Math.Min(context.Options.Runs, 3));
        }
    }
}
