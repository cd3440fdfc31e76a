using System.Diagnostics;
using LakeFs.Benchmarks.Infrastructure;
using LakeFs.Core;

namespace LakeFs.Benchmarks.Scenarios;

/// <summary>
/// <c>UploadDirectoryAsync</c> of a folder of 50,000 files of 4 KiB (the fixtures' table layout: 8 tables × 500
/// partitions) into a fresh repository, beside <c>cp -r</c> of the same folder, back to back in each run. The source
/// folder is written once and stays in the page cache, so both read it from memory; each run writes into new folders,
/// left for the suite's cleanup (see <see cref="PutScenario"/> for why nothing is deleted between runs).
/// </summary>
public sealed class UploadScenario : IScenario
{
    private const int FileSize = 4096;
    private const string CopyMetric = "cp -r";

    public string Name => "upload";

    public string Description => "UploadDirectoryAsync of 50,000 × 4 KiB files beside cp -r of the same folder";

    public async Task RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            context.Add("upload", "files/s", [], note: "not available: the baseline needs cp");
            return;
        }
        var count = context.Options.Scaled(50_000, 20);
        var source = context.NewFolder("upload-source");
        var payload = new byte[FileSize];
        Random.Shared.NextBytes(payload);
        for (var i = 0; i < count; i++)
        {
            var path = Path.Combine(source, Fixtures.PathOf(i));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, payload, cancellationToken);
        }
        context.Log($"{count:N0} files written; {context.Options.Warmups} warm-up + {context.Options.Runs} runs");

        var copy = new List<double>();
        var upload = new List<double>();
        for (var run = -context.Options.Warmups; run < context.Options.Runs; run++)
        {
            var c = Copy(source, Path.Combine(context.NewFolder("cp"), "copy"));
            var u = await UploadAsync(context.NewFolder("upload"), source, count, cancellationToken);
            if (run >= 0)
            {
                copy.Add(count / c);
                upload.Add(count / u);
            }
        }
        context.Add(CopyMetric, "files/s", copy, note: $"{count:N0} × 4 KiB files, one cp process");
        context.Add("upload", "files/s", upload, Goal.FractionOf(0.7, CopyMetric, CopyMetric), WorkingSetSampler.ProcessPeakMiB(),
            note: "fresh repository, default options (8 at once); same run as cp, back to back; peak WS is the process peak so far");
        context.Log($"upload {Report.Format(Stats.Median(upload))} files/s, cp -r {Report.Format(Stats.Median(copy))} files/s");
    }

    /// <summary>Seconds to upload the folder into a fresh repository.</summary>
    private static async Task<double> UploadAsync(string folder, string source, int count, CancellationToken cancellationToken)
    {
        await using var repo = await Repository.CreateAsync(folder, cancellationToken);
        PageCache.FlushDirty();
        var sw = Stopwatch.StartNew();
        var result = await repo.UploadDirectoryAsync("main", source, cancellationToken: cancellationToken);
        var seconds = sw.Elapsed.TotalSeconds;
        if (result.Files != count)
        {
            throw new InvalidOperationException($"Uploaded {result.Files:N0} files, not {count:N0}.");
        }
        return seconds;
    }

    /// <summary>Seconds for <c>cp -r source target</c>, process start included.</summary>
    private static double Copy(string source, string target)
    {
        PageCache.FlushDirty();
        var info = new ProcessStartInfo("cp") { UseShellExecute = false, RedirectStandardError = true };
        info.ArgumentList.Add("-r");
        info.ArgumentList.Add(source);
        info.ArgumentList.Add(target);
        var sw = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException("cp did not start.");
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        var seconds = sw.Elapsed.TotalSeconds;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"cp -r failed ({process.ExitCode}): {stderr}");
        }
        return seconds;
    }
}
