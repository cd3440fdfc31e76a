using System.Diagnostics;
using System.Globalization;
using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace LakeFs.Core.Tests;

/// <summary>
/// A child process (the probe's <c>gc-loop</c>) collects garbage over and over, with no grace period and marks spilled
/// to disk, and is killed with SIGKILL at a random moment; between kills the parent adds a day of history (overwrites,
/// commits, a branch deleted with staged entries) dated in the past. After every kill every commit either reads back
/// exactly as made or is expired, every branch shows what was put, and VerifyAsync finds nothing; at the end a run in
/// the parent completes and leaves no old object that nothing refers to.
/// </summary>
[NonParallelizable]
public sealed class RepositoryGcCrashTests
{
    private const int Trials = 10;

    [Test]
    public async Task Killed_at_random_moments_collection_never_loses_a_kept_object_and_the_next_run_finishes()
    {
        using var temp = new TempDirectory();
        var folder = temp.Combine("repo");
        var seed = Random.Shared.Next();
        var random = new Random(seed);
        var start = DateTimeOffset.UtcNow.AddDays(-3 * Trials - 5);
        var time = new FakeTimeProvider(start);
        var snapshots = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        var model = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var repo = await Repository.CreateAsync(Repository.LocalOptions(folder) with { TimeProvider = time, Tree = TestRepositories.SmallTree }))
        {
            await repo.SetRetentionAsync(new RetentionRules(2));
        }
        for (var trial = 0; trial < Trials; trial++)
        {
            await using (var repo = await Repository.OpenAsync(Repository.LocalOptions(folder) with { TimeProvider = time, Tree = TestRepositories.SmallTree }))
            {
                for (var day = 0; day < 3; day++)
                {
                    time.Advance(TimeSpan.FromDays(1));
                    for (var i = 0; i < 60; i++)
                    {
                        var path = $"p{random.Next(40)}";
                        model[path] = $"{trial}.{day}.{i}";
                        await repo.PutTextAsync("main", path, model[path]);
                    }
                    var commit = await repo.CommitAsync("main", $"trial {trial} day {day}");
                    snapshots[commit.Id] = new Dictionary<string, string>(model, StringComparer.Ordinal);
                    await repo.BranchAsync("tmp", "main");
                    await repo.PutTextAsync("tmp", "t", "gone with the branch");
                    await repo.DeleteBranchAsync("tmp");
                }
                model["staged"] = $"{trial}";
                await repo.PutTextAsync("main", "staged", model["staged"]);
            }

            var delay = random.Next(1500);
            await RunAndKillAsync(folder, delay);

            await using (var reopened = await Repository.OpenAsync(folder))
            {
                await CheckAsync(reopened, snapshots, model, $"seed {seed}, trial {trial}, killed {delay} ms after ready");
            }
        }

        await using (var last = await Repository.OpenAsync(folder))
        {
            await last.CollectGarbageAsync(new GcOptions { GracePeriod = TimeSpan.Zero });
            await CheckAsync(last, snapshots, model, $"seed {seed}, after a last run");
            var referenced = new HashSet<string>(StringComparer.Ordinal);
            foreach (var id in snapshots.Keys.Append("main"))
            {
                try
                {
                    referenced.UnionWith((await last.ListObjectsAsync(id).ToListAsync()).Select(i => i.Object!.PhysicalAddress));
                }
                catch (CommitExpiredException)
                {
                }
            }
            var left = await GcScenario.KeysAsync(last.ObjectStore, "data/");
            Assert.That(left.Except(referenced), Is.Empty, $"seed {seed}: the last run left no garbage");
        }
    }

    private static async Task CheckAsync(Repository repo, Dictionary<string, Dictionary<string, string>> snapshots, Dictionary<string, string> model, string where)
    {
        Assert.That(await GcScenario.ContentAsync(repo, "main"), Is.EqualTo(model), where);
        var kept = 0;
        foreach (var (id, content) in snapshots)
        {
            try
            {
                await repo.GetCommitAsync(id);
            }
            catch (CommitExpiredException)
            {
                continue;
            }
            kept++;
            Assert.That(await GcScenario.ContentAsync(repo, id), Is.EqualTo(content), $"{where}: commit {id[..12]}");
        }
        Assert.That(kept, Is.GreaterThanOrEqualTo(1), where);
        var verify = await repo.VerifyAsync();
        Assert.That(verify.Problems, Is.Empty, where);
    }

    private static async Task RunAndKillAsync(string folder, int delayMs)
    {
        var probe = Path.Combine(AppContext.BaseDirectory, "LakeFs.Core.Tests.Probe.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[probe, "gc-loop", folder])
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            Assert.That(line, Is.EqualTo("ready"), () => $"the child did not start:\n{error.Result}");
            await Task.Delay(delayMs);
            Assert.That(process.HasExited, Is.False, () => $"the child stopped by itself (exit code {process.ExitCode}):\n{error.Result}");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }
}
