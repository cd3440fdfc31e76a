using System.Diagnostics;
using LakeFs.Benchmarks.Infrastructure;
using LakeFs.Core;

namespace LakeFs.Benchmarks.Scenarios;

/// <summary>
/// Whole-object reads of committed 1 MiB and 4 KiB objects, one thread, OS page cache warm, with the content check
/// (<see cref="RepositoryOptions.VerifyContentChecksums"/>: size and SHA-256 compared at the end of the stream) on and
/// off. Two repository instances on one folder; each run reads every object once through both, alternating which goes
/// first, so drift on the machine falls on both sides alike.
/// </summary>
public sealed class ReadScenario : IScenario
{
    public string Name => "read";

    public string Description => "whole reads of 1 MiB and 4 KiB objects, 1 thread, content check on / off";

    public async Task RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var folder = context.NewFolder("read");
        var sizes = new[] { (Label: "1 MiB", Bytes: 1 << 20, Count: context.Options.Scaled(128, 2)), (Label: "4 KiB", Bytes: 4096, Count: context.Options.Scaled(20_000, 20)) };
        await using (var writer = await Repository.CreateAsync(folder, cancellationToken))
        {
            foreach (var (label, bytes, count) in sizes)
            {
                var payload = new byte[bytes];
                for (var i = 0; i < count; i++)
                {
                    Random.Shared.NextBytes(payload);
                    using var content = new MemoryStream(payload, writable: false);
                    await writer.PutObjectAsync("main", PathOf(label, i), content, cancellationToken: cancellationToken);
                }
            }
            await writer.CommitAsync("main", "objects to read", cancellationToken: cancellationToken);
        }
        await using var verified = await Repository.OpenAsync(Repository.LocalOptions(folder), cancellationToken);
        await using var unverified = await Repository.OpenAsync(Repository.LocalOptions(folder) with { VerifyContentChecksums = false }, cancellationToken);

        foreach (var (label, bytes, count) in sizes)
        {
            var on = new List<double>();
            var off = new List<double>();
            var ratio = new List<double>();
            for (var run = -context.Options.Warmups; run < context.Options.Runs; run++)
            {
                var onFirst = (run & 1) == 0;
                double tOn = 0, tOff = 0;
                for (var side = 0; side < 2; side++)
                {
                    var verify = (side == 0) == onFirst;
                    var seconds = await ReadAllAsync(verify ? verified : unverified, label, count, cancellationToken);
                    if (verify)
                    {
                        tOn = seconds;
                    }
                    else
                    {
                        tOff = seconds;
                    }
                }
                if (run >= 0)
                {
                    on.Add((double)bytes * count / tOn / 1e6);
                    off.Add((double)bytes * count / tOff / 1e6);
                    ratio.Add(tOn / tOff);
                }
            }
            var note = $"{count:N0} × {label} committed objects per run, read whole from main@";
            context.Add($"read {label} objects, content check on", "MB/s", on, note: note);
            context.Add($"read {label} objects, content check off", "MB/s", off, note: note);
            context.Add($"read {label} objects, time on / time off", "×", ratio, note: "same run, alternating order");
            context.Log($"{label}: on {Report.Format(Stats.Median(on))} MB/s, off {Report.Format(Stats.Median(off))} MB/s");
        }
    }

    private static string PathOf(string label, int i) => $"read/{label.Replace(' ', '-')}/{i:D6}";

    private static async Task<double> ReadAllAsync(Repository repo, string label, int count, CancellationToken cancellationToken)
    {
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var stream = await repo.OpenReadAsync("main@", PathOf(label, i), cancellationToken: cancellationToken);
            await using (stream)
            {
                await stream.CopyToAsync(Stream.Null, cancellationToken);
            }
        }
        return sw.Elapsed.TotalSeconds;
    }
}
