using System.Diagnostics;
using LakeFs.Benchmarks.Infrastructure;
using LakeFs.Core;
using LakeFs.Core.Model;
using LakeFs.Storage;
using LakeFs.Storage.Local;

namespace LakeFs.Benchmarks.Scenarios;

/// <summary>
/// Zero-copy <c>ImportAsync</c> of 1,000,000 objects from a local folder (the fixtures' table layout, 8 tables × 500
/// partitions, 16-byte files) into a fresh repository, through a <see cref="LocalObjectStore"/> registered as an import
/// source. The folder is written once; each run imports it into a new repository, so a run lists the whole folder
/// (the directory entries are in the page cache after the first) and writes the whole tree.
/// </summary>
public sealed class ImportScenario : IScenario
{
    public string Name => "import";

    public string Description => "ImportAsync of 1,000,000 objects from a local folder into a fresh repository (no bytes copied)";

    public async Task RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var count = context.Options.Scaled(1_000_000, 100);
        var source = context.NewFolder("import-source");
        var payload = new byte[16];
        Random.Shared.NextBytes(payload);
        var folders = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var path = Path.Combine(source, Fixtures.PathOf(i));
            if (folders.Add(Path.GetDirectoryName(path)!))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            }
            await File.WriteAllBytesAsync(path, payload, cancellationToken);
        }
        context.Log($"{count:N0} files written");
        var landing = new LocalObjectStore(source);
        var peaks = new List<double>();
        var metric = await context.MeasureAsync("import", "objects/s", async _ =>
        {
            var folder = context.NewFolder("import-repo");
            var options = Repository.LocalOptions(folder) with { ImportSources = new Dictionary<string, IObjectStore> { ["landing"] = landing } };
            await using var repo = await Repository.CreateAsync(options, cancellationToken);
            using var sampler = WorkingSetSampler.StartClean();
            var sw = Stopwatch.StartNew();
            var result = await repo.ImportAsync("main", ImportSource.Named("landing", ""), "", cancellationToken: cancellationToken);
            var seconds = sw.Elapsed.TotalSeconds;
            peaks.Add(sampler.PeakMiB);
            if (result.Objects != count)
            {
                throw new InvalidOperationException($"Imported {result.Objects:N0} objects, not {count:N0}.");
            }
            return count / seconds;
        }, Goal.Min(50_000), note: $"{count:N0} objects of 16 B, fresh repository per run");
        context.Add("import peak working set", "MiB", peaks, Goal.Max(300),
            note: "sampled during the import call (process working set)");
        context.Log($"import {Report.Format(metric.Median)} objects/s, peak working set {Report.Format(Stats.Median(peaks))} MiB");
    }
}
