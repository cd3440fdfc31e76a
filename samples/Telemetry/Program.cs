// Traces, metrics and logs of a small workflow, printed by the OpenTelemetry console exporter. LakeFs needs no
// OpenTelemetry package itself: it records on an ActivitySource and a Meter named "LakeFs" and logs through
// ILoggerFactory, so subscribing is AddSource("LakeFs"), AddMeter("LakeFs") and the logger factory in the options.
using LakeFs.Core;
using LakeFs.Storage;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

using var tracing = Sdk.CreateTracerProviderBuilder()
    .AddSource("LakeFs")
    .AddConsoleExporter()
    .Build();
using var metrics = Sdk.CreateMeterProviderBuilder()
    .AddMeter("LakeFs")
    .AddConsoleExporter()
    .Build();
using var loggerFactory = LoggerFactory.Create(logging => logging
    .SetMinimumLevel(LogLevel.Information)
    .AddOpenTelemetry(otel => otel.AddConsoleExporter()));

var folder = Path.Combine(Path.GetTempPath(), "lakefs-telemetry-" + Guid.NewGuid().ToString("N")[..8]);
try
{
    var local = Repository.LocalOptions(folder);
    var options = local with
    {
        // Storage retries are logged at Warning under LakeFs.Storage.RetryingObjectStore and counted in lakefs.storage.retries.
        ObjectStore = new RetryingObjectStore(local.ObjectStore, new ObjectStoreRetryOptions { LoggerFactory = loggerFactory }),
        LoggerFactory = loggerFactory,
    };
    await using (var repo = await Repository.CreateAsync(options))
    {
        await repo.PutObjectAsync("main", "tables/users/part-0.csv", "id,name\n1,ada\n");
        await repo.CommitAsync("main", "Load users");
        await repo.BranchAsync("ingest", "main");
        await repo.PutObjectAsync("ingest", "tables/users/part-1.csv", "id,name\n2,grace\n");
        await repo.CommitAsync("ingest", "Nightly ingest");
        await repo.PutObjectAsync("main", "README.txt", "users lake\n");
        await repo.CommitAsync("main", "Add a README");
        await foreach (var change in repo.DiffAsync("main", "ingest"))
        {
            Console.WriteLine($"diff main..ingest: {change.Kind} {change.Path}");
        }
        var merged = await repo.MergeAsync("ingest", "main");
        Console.WriteLine($"Merged ingest into main as {merged.Head[..12]}: {merged.Changes} change(s)");
    }
}
finally
{
    Directory.Delete(folder, recursive: true);
}
// Disposing the providers (end of scope) flushes the metrics to the console.
