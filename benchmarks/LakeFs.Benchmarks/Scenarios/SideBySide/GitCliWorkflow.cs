using System.Diagnostics;

namespace LakeFs.Benchmarks.Scenarios.SideBySide;

/// <summary>
/// The workflow with the git command line in a temporary repository (no user or system config; automatic gc off,
/// so no detached background gc runs while the timed steps or the cleanup do).
/// </summary>
public sealed class GitCliWorkflow : IWorkflow
{
    private readonly string _root;
    private string? _firstCommit;

    private GitCliWorkflow(string root) => _root = root;

    public string Tool => "git CLI";

    public static bool IsAvailable()
    {
        try
        {
            return Run(Path.GetTempPath(), "--version").StartsWith("git version", StringComparison.Ordinal);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    public static string Version() => Run(Path.GetTempPath(), "--version").Trim();

    public static Task<GitCliWorkflow> CreateAsync(string folder)
    {
        Run(folder, "init", "-q", "-b", "main");
        return Task.FromResult(new GitCliWorkflow(folder));
    }

    public Task ImportAsync(IReadOnlyList<int> files, Func<int, byte[]> content)
    {
        WorkTree.Write(_root, files, content);
        Run(_root, "add", "-A");
        return Task.CompletedTask;
    }

    public Task CommitAsync(string message)
    {
        Run(_root, "commit", "-q", "-m", message);
        _firstCommit = Run(_root, "rev-parse", "HEAD").Trim();
        return Task.CompletedTask;
    }

    public Task BranchAsync(string name)
    {
        Run(_root, "branch", name);
        return Task.CompletedTask;
    }

    public Task ChangeAndCommitAsync(string branch, IReadOnlyList<int> files, Func<int, byte[]> content, string message)
    {
        Run(_root, "checkout", "-q", branch);
        WorkTree.Write(_root, files, content);
        Run(_root, "add", "-A");
        Run(_root, "commit", "-q", "-m", message);
        return Task.CompletedTask;
    }

    public Task MergeAsync(string branch)
    {
        Run(_root, "checkout", "-q", "main");
        Run(_root, "merge", "-q", "--no-ff", "-m", $"Merge {branch}", branch);
        return Task.CompletedTask;
    }

    public Task<int> DiffAsync(string branch)
    {
        var output = Run(_root, "diff", "--name-only", _firstCommit!, branch);
        return Task.FromResult(output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static string Run(string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo("git")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in new[] { ("user.name", "bench"), ("user.email", "bench@example.invalid"), ("commit.gpgsign", "false"), ("core.autocrlf", "false"), ("gc.auto", "0"), ("maintenance.auto", "false") })
        {
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add($"{key}={value}");
        }
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        info.Environment["GIT_CONFIG_GLOBAL"] = OperatingSystem.IsWindows() ? "NUL" : "/dev/null";
        info.Environment["GIT_TERMINAL_PROMPT"] = "0";
        using var process = Process.Start(info) ?? throw new InvalidOperationException("git did not start.");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', args)} failed ({process.ExitCode}): {stderr.Result}");
        }
        return stdout;
    }
}
