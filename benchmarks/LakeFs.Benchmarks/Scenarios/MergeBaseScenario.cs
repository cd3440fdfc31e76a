using System.Diagnostics;
using LakeFs.Benchmarks.Infrastructure;
using LakeFs.Core;
using LakeFs.Core.Model;
using LakeFs.RefStore.PostgreSql;

namespace LakeFs.Benchmarks.Scenarios;

/// <summary>
/// The merge base of two long lines of history from a freshly opened repository (nothing in the commit cache), on
/// SQLite and on PostgreSQL: 1,000 commits of shared history, then 1,000 commits on main and 1,000 on a branch. The
/// walk must read both lines down to the fork and stop there. The PostgreSQL repository has the same refs, restored
/// from a dump into a fresh schema; without <c>LAKEFS_POSTGRES</c> its row says "not available".
/// </summary>
public sealed class MergeBaseScenario : IScenario
{
    public string Name => "mergebase";

    public string Description => "merge base of two 1,000-commit lines from a fresh open, SQLite vs PostgreSQL";

    public async Task RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var n = context.Options.Scaled(1_000, 20);
        var folder = context.NewFolder("mergebase");
        string fork;
        string dumpId;
        await using (var repo = await Repository.CreateAsync(folder, cancellationToken))
        {
            var build = Stopwatch.StartNew();
            var empty = new CommitOptions { AllowEmpty = true };
            for (var i = 0; i < n; i++)
            {
                await repo.CommitAsync("main", $"shared {i}", empty, cancellationToken);
            }
            fork = (await repo.GetBranchAsync("main", cancellationToken)).Head;
            await repo.BranchAsync("side", "main", cancellationToken);
            for (var i = 0; i < n; i++)
            {
                await repo.CommitAsync("main", $"main {i}", empty, cancellationToken);
                await repo.CommitAsync("side", $"side {i}", empty, cancellationToken);
            }
            context.Log($"made {3 * n:N0} commits in {build.Elapsed.TotalSeconds:F1} s");
            dumpId = await repo.DumpRefsAsync(cancellationToken);
        }

        var stores = new List<(string Label, RepositoryOptions Options)> { ("SQLite", Repository.LocalOptions(folder)) };
        var postgres = Environment.GetEnvironmentVariable(RefStoreScenario.Variable);
        PostgreSqlRefStoreOptions? schema = null;
        if (string.IsNullOrWhiteSpace(postgres))
        {
            context.Add("PostgreSQL", "", [], note: $"not available: set {RefStoreScenario.Variable} to an Npgsql connection string (tools/with-postgres.sh starts a throwaway server)");
        }
        else
        {
            schema = new PostgreSqlRefStoreOptions(postgres, "bench_" + Guid.NewGuid().ToString("N"));
            var options = Repository.LocalOptions(folder) with { RefStore = schema };
            await Repository.RestoreRefsAsync(options, dumpId, cancellationToken);
            stores.Add(("PostgreSQL", options));
        }
        try
        {
            foreach (var (label, options) in stores)
            {
                await context.MeasureAsync($"{label}: merge base of two {n:N0}-commit lines, fresh open", "ms", async _ =>
                {
                    await using var repo = await Repository.OpenAsync(options, cancellationToken);
                    var sw = Stopwatch.StartNew();
                    var bases = await repo.FindMergeBasesAsync("main", "side", cancellationToken);
                    var ms = sw.Elapsed.TotalMilliseconds;
                    if (bases.Count != 1 || bases[0].Id != fork)
                    {
                        throw new InvalidOperationException($"The merge base is [{string.Join(", ", bases.Select(b => b.Id))}], expected {fork}.");
                    }
                    return ms;
                }, note: "a new Repository instance per run: every commit read from the store");
            }
        }
        finally
        {
            if (schema is not null)
            {
                await RefStoreScenario.DropSchemaAsync(schema);
            }
            Directory.Delete(folder, recursive: true);
        }
    }
}
