using System.Diagnostics;
using LakeFs.Benchmarks.Infrastructure;
using LakeFs.Core;
using LakeFs.RefStore.PostgreSql;
using Npgsql;

namespace LakeFs.Benchmarks.Scenarios;

/// <summary>
/// The SQLite and PostgreSQL ref stores side by side in one run, with 1, 4 and 16 clients (concurrent tasks of one
/// process): puts of 4 KiB objects into a fresh repository, stats by branch and branch creations on the
/// 1,000,000-object repository, and commits of 100 random changes on it. The PostgreSQL repository is the same
/// repository (same object store) with its refs restored from a dump into a fresh schema. The server comes from
/// <c>LAKEFS_POSTGRES</c> (an Npgsql connection string; tools/with-postgres.sh starts a throwaway one); without it the
/// PostgreSQL rows say "not available".
/// </summary>
public sealed class RefStoreScenario : IScenario
{
    /// <summary>The environment variable with the PostgreSQL server's connection string.</summary>
    public const string Variable = "LAKEFS_POSTGRES";

    private const int ObjectSize = 4096;
    private static readonly int[] Clients = [1, 4, 16];
    private int _branches;

    public string Name => "refstore";

    public string Description => "SQLite vs PostgreSQL ref store: puts, stat by branch, branch creation (1 / 4 / 16 clients), commit of 100 random changes";

    public async Task RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var postgres = Environment.GetEnvironmentVariable(Variable);
        var schemas = new List<PostgreSqlRefStoreOptions>();
        var stores = new List<(string Label, Func<string, RefStoreOptions> RefStore)>
        {
            ("SQLite", folder => new SqliteRefStoreOptions(Path.Combine(folder, Repository.LocalRefStoreFileName))),
        };
        if (string.IsNullOrWhiteSpace(postgres))
        {
            context.Add("PostgreSQL", "", [], note: $"not available: set {Variable} to an Npgsql connection string (tools/with-postgres.sh starts a throwaway server)");
        }
        else
        {
            stores.Add(("PostgreSQL", _ =>
            {
                var options = new PostgreSqlRefStoreOptions(postgres, "bench_" + Guid.NewGuid().ToString("N"));
                schemas.Add(options);
                return options;
            }));
        }
        try
        {
            foreach (var (label, refStore) in stores)
            {
                await PutsAsync(context, label, refStore, cancellationToken);
            }

            var size = context.Options.Scaled(1_000_000, 100);
            var sqlite = await context.Fixtures.CommittedAsync(size, context);
            await Fixtures.ThrowIfDirtyAsync(sqlite, "main", "before the ref store comparison", cancellationToken);
            var repos = new List<(string Label, Repository Repo)> { ("SQLite", sqlite) };
            if (stores.Count > 1)
            {
                var dumpId = await sqlite.DumpRefsAsync(cancellationToken);
                var options = Repository.LocalOptions(context.Fixtures.CommittedFolder(size)) with { RefStore = stores[1].RefStore("") };
                var sw = Stopwatch.StartNew();
                await Repository.RestoreRefsAsync(options, dumpId, cancellationToken);
                context.Log($"restored the refs of the {size:N0}-object repository into PostgreSQL in {sw.Elapsed.TotalSeconds:F1} s");
                repos.Add(("PostgreSQL", await Repository.OpenAsync(options, cancellationToken)));
            }
            try
            {
                foreach (var (label, repo) in repos)
                {
                    await StatsAsync(context, label, repo, size, cancellationToken);
                }
                foreach (var (label, repo) in repos)
                {
                    await BranchesAsync(context, label, repo, size, cancellationToken);
                }
                foreach (var (label, repo) in repos)
                {
                    await CommitsAsync(context, label, repo, size, cancellationToken);
                }
            }
            finally
            {
                foreach (var (_, repo) in repos.Skip(1))
                {
                    await repo.DisposeAsync();
                }
            }
        }
        finally
        {
            foreach (var schema in schemas)
            {
                await DropSchemaAsync(schema);
            }
        }
    }

    private static async Task PutsAsync(ScenarioContext context, string label, Func<string, RefStoreOptions> refStore, CancellationToken cancellationToken)
    {
        var count = context.Options.Scaled(10_000, 20);
        var payload = new byte[ObjectSize];
        Random.Shared.NextBytes(payload);
        foreach (var clients in Clients)
        {
            await context.MeasureAsync($"{label}: put 4 KiB, {ClientsLabel(clients)}", "objects/s", async _ =>
            {
                var folder = context.NewFolder("refstore-put");
                await using var repo = await Repository.CreateAsync(Repository.LocalOptions(folder) with { RefStore = refStore(folder) }, cancellationToken);
                var sw = Stopwatch.StartNew();
                await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = clients, CancellationToken = cancellationToken }, async (i, ct) =>
                {
                    using var content = new MemoryStream(payload, writable: false);
                    await repo.PutObjectAsync("main", Fixtures.PathOf(i), content, cancellationToken: ct);
                });
                return count / sw.Elapsed.TotalSeconds;
            }, label == "PostgreSQL" && clients == 4 ? Goal.Min(7_600) : null, note: $"{count:N0} puts into a fresh repository per run");
        }
    }

    private static async Task StatsAsync(ScenarioContext context, string label, Repository repo, int size, CancellationToken cancellationToken)
    {
        var lookups = context.Options.Scaled(100_000, 100);
        var random = new Random(42);
        var paths = Enumerable.Range(0, lookups).Select(_ => Fixtures.PathOf(random.Next(size))).ToArray();
        foreach (var clients in Clients)
        {
            await context.MeasureAsync($"{label}: stat by branch, {ClientsLabel(clients)} ({size:N0} objects)", "lookups/s", async _ =>
            {
                var sw = Stopwatch.StartNew();
                await Parallel.ForEachAsync(paths, new ParallelOptions { MaxDegreeOfParallelism = clients, CancellationToken = cancellationToken }, async (path, ct) =>
                    await repo.StatObjectAsync("main", path, ct));
                return paths.Length / sw.Elapsed.TotalSeconds;
            }, label == "PostgreSQL" && clients == 4 ? Goal.Min(10_900) : null, note: $"{lookups:N0} random committed keys per run, warm caches");
        }
    }

    private async Task BranchesAsync(ScenarioContext context, string label, Repository repo, int size, CancellationToken cancellationToken)
    {
        var perRun = context.Options.Scaled(200, 10);
        foreach (var clients in Clients)
        {
            var latencies = new List<double>();
            for (var run = -context.Options.Warmups; run < context.Options.Runs; run++)
            {
                var measured = run >= 0;
                await Parallel.ForEachAsync(Enumerable.Range(0, perRun), new ParallelOptions { MaxDegreeOfParallelism = clients, CancellationToken = cancellationToken }, async (_, ct) =>
                {
                    var name = $"refstore-{Interlocked.Increment(ref _branches)}";
                    var sw = Stopwatch.StartNew();
                    await repo.BranchAsync(name, "main", ct);
                    var ms = sw.Elapsed.TotalMilliseconds;
                    if (measured)
                    {
                        lock (latencies)
                        {
                            latencies.Add(ms);
                        }
                    }
                });
            }
            context.Add($"{label}: create branch, {ClientsLabel(clients)} ({size:N0} objects)", "ms", latencies,
                label == "PostgreSQL" && clients == 1 ? Goal.Max(2) : null, note: $"{latencies.Count:N0} creations, each timed");
        }
    }

    private static async Task CommitsAsync(ScenarioContext context, string label, Repository repo, int size, CancellationToken cancellationToken)
    {
        var k = Math.Min(100, Math.Max(1, size / 10));
        var random = new Random(100);
        var sqliteName = $"SQLite: commit {k:N0} random changes on {size:N0}";
        await context.MeasureAsync($"{label}: commit {k:N0} random changes on {size:N0}", "ms", async _ =>
        {
            // Five commits a run, the median: one tens-of-milliseconds commit varies by half on a shared machine.
            var times = new List<double>();
            for (var c = 0; c < 5; c++)
            {
                var indexes = Fixtures.RandomIndexes(random, size, k);
                await context.Fixtures.LinkAsync(repo, "main", indexes, indexes.Length);
                var sw = Stopwatch.StartNew();
                await repo.CommitAsync("main", $"{k} random changes", cancellationToken: cancellationToken);
                times.Add(sw.Elapsed.TotalMilliseconds);
            }
            return Stats.Median(times);
        }, label == "PostgreSQL" ? Goal.AtMostTimesOf(2, sqliteName, "SQLite") : null, note: "5 commits a run, staged by links (untimed)");
    }

    private static string ClientsLabel(int clients) => clients == 1 ? "1 client" : $"{clients} clients";

    internal static async Task DropSchemaAsync(PostgreSqlRefStoreOptions options)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(options.ConnectionString) { Pooling = false }.ConnectionString);
        await using (connection)
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{options.Schema}\" CASCADE", connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}
