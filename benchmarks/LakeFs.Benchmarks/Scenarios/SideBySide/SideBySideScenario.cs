using System.Diagnostics;
using System.Text;
using LakeFs.Benchmarks.Infrastructure;

namespace LakeFs.Benchmarks.Scenarios.SideBySide;

/// <summary>
/// The same workflow at 100,000 small files for LakeFs, the git CLI and LibGit2Sharp, timed step by step in one
/// run: write and stage, commit, branch, change 1% and commit, merge back without fast-forward, diff.
/// </summary>
public sealed class SideBySideScenario : IScenario
{
    public const string ScenarioName = "vs-git";

    public static readonly string[] Steps = ["write + stage", "commit", "branch", "change 1% + commit", "merge --no-ff", "diff", "total"];

    public string Name => ScenarioName;

    public string Description => "LakeFs vs git CLI vs LibGit2Sharp: the same workflow at 100,000 small files";

    public async Task RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var n = context.Options.Scaled(100_000, 20);
        var changed = Math.Max(1, n / 100);
        var files = Enumerable.Range(0, n).ToArray();
        var changes = Enumerable.Range(0, changed).Select(i => (int)((long)i * n / changed)).ToArray();
        static byte[] Original(int i) => Encoding.UTF8.GetBytes($"object {i:D8}: original contents, a small file like a config or a label\n");
        static byte[] Changed(int i) => Encoding.UTF8.GetBytes($"object {i:D8}: changed contents\n");

        var tools = new List<(string Tool, Func<string, Task<IWorkflow>> Create)>
        {
            ("LakeFs", async folder => await LakeFsWorkflow.CreateAsync(folder)),
        };
        if (context.Options.SideBySide)
        {
            if (GitCliWorkflow.IsAvailable())
            {
                context.Log(GitCliWorkflow.Version());
                tools.Add(("git CLI", async folder => await GitCliWorkflow.CreateAsync(folder)));
            }
            else
            {
                context.Log("git is not on PATH: the git CLI column is skipped");
            }
            tools.Add(("LibGit2Sharp", async folder => await LibGit2SharpWorkflow.CreateAsync(folder)));
        }

        // Warm up every tool on a small workflow (JIT, native library loading), then measure.
        var small = files.Take(Math.Max(10, n / 100)).ToArray();
        foreach (var (tool, create) in tools)
        {
            await RunWorkflowAsync(context, create, small, small.Take(Math.Max(1, small.Length / 100)).ToArray(), Original, Changed);
        }

        var runs = n >= 10_000 ? 1 : context.Options.Runs;
        foreach (var (tool, create) in tools)
        {
            context.Log($"{tool}: {n:N0} files, {changed:N0} changed, {runs} run(s)");
            var samples = Steps.ToDictionary(s => s, _ => new List<double>());
            string? note = null;
            for (var run = 0; run < runs; run++)
            {
                var (times, error) = await RunWorkflowAsync(context, create, files, changes, Original, Changed);
                foreach (var (step, ms) in times)
                {
                    samples[step].Add(ms);
                }
                note = error;
            }
            foreach (var step in Steps)
            {
                context.Add(new Metric
                {
                    Scenario = Name,
                    Name = $"{step}: {tool}",
                    Unit = "ms",
                    Samples = samples[step],
                    Tool = tool,
                    Step = step,
                    Note = samples[step].Count == 0 ? note : step == "total" && note is not null ? "without the steps not available" : null,
                });
            }
            context.Log($"{tool}: total {Report.Format(Stats.Median(samples["total"]))} ms");
        }
    }

    private static async Task<(List<(string Step, double Ms)> Times, string? Error)> RunWorkflowAsync(
        ScenarioContext context, Func<string, Task<IWorkflow>> create, int[] files, int[] changes, Func<int, byte[]> original, Func<int, byte[]> changed)
    {
        var folder = context.NewFolder("side-by-side");
        var times = new List<(string Step, double Ms)>();
        string? error = null;
        try
        {
            await using (var workflow = await create(folder))
            {
                async Task StepAsync(string step, Func<Task> action)
                {
                    var sw = Stopwatch.StartNew();
                    try
                    {
                        await action();
                        times.Add((step, sw.Elapsed.TotalMilliseconds));
                    }
                    catch (NotSupportedException e)
                    {
                        error = e.Message;
                    }
                }

                await StepAsync(Steps[0], () => workflow.ImportAsync(files, original));
                await StepAsync(Steps[1], () => workflow.CommitAsync("Import"));
                await StepAsync(Steps[2], () => workflow.BranchAsync("feature"));
                await StepAsync(Steps[3], () => workflow.ChangeAndCommitAsync("feature", changes, changed, "Change 1%"));
                await StepAsync(Steps[4], () => workflow.MergeAsync("feature"));
                await StepAsync(Steps[5], async () =>
                {
                    var count = await workflow.DiffAsync("feature");
                    if (count != changes.Length)
                    {
                        throw new InvalidOperationException($"{workflow.Tool}: the diff found {count} paths, expected {changes.Length}.");
                    }
                });
            }
            times.Add((Steps[^1], times.Sum(t => t.Ms)));
            return (times, error);
        }
        finally
        {
            DeleteFolder(folder);
        }
    }

    /// <summary>Deletes a folder even where git made its object files read-only; retries while a stray git process still writes.</summary>
    private static void DeleteFolder(string folder)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (OperatingSystem.IsWindows())
                {
                    foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
                    {
                        File.SetAttributes(file, FileAttributes.Normal);
                    }
                }
                Directory.Delete(folder, recursive: true);
                return;
            }
            catch (DirectoryNotFoundException) when (!Directory.Exists(folder))
            {
                return;
            }
            catch (IOException) when (attempt < 5)
            {
                Thread.Sleep(200 * attempt);
            }
        }
    }
}
