using System.Diagnostics;
using System.Text;

namespace LakeFs.Core.Tests.TestSupport;

/// <summary>
/// A git repository driven through the <c>git</c> command, isolated from the machine's configuration: no system
/// or global config, a local identity, no signing, no rename detection, English messages.
/// </summary>
public sealed class GitRepository
{
    private readonly string _emptyConfig;

    private GitRepository(string folder, string emptyConfig)
    {
        Folder = folder;
        _emptyConfig = emptyConfig;
    }

    /// <summary>The working tree.</summary>
    public string Folder { get; }

    /// <summary>Author and committer date of the commits git makes from now on (null: the clock).</summary>
    public DateTimeOffset? CommitDate { get; set; }

    /// <summary>Runs <c>git init</c> in <paramref name="folder"/> (created when missing) and configures it.</summary>
    public static async Task<GitRepository> InitAsync(string folder, string defaultBranch)
    {
        Directory.CreateDirectory(folder);
        var emptyConfig = folder + ".gitconfig";
        await File.WriteAllTextAsync(emptyConfig, string.Empty);
        var git = new GitRepository(folder, emptyConfig);
        await git.RunAsync("init", "-q", "-b", defaultBranch);
        await git.RunAsync("config", "user.name", "Oracle");
        await git.RunAsync("config", "user.email", "oracle@example.invalid");
        await git.RunAsync("config", "commit.gpgsign", "false");
        await git.RunAsync("config", "merge.renames", "false");
        await git.RunAsync("config", "diff.renames", "false");
        await git.RunAsync("config", "merge.conflictstyle", "merge");
        await git.RunAsync("config", "core.autocrlf", "false");
        await git.RunAsync("config", "gc.auto", "0");
        return git;
    }

    /// <summary>Runs git and throws when it exits non-zero.</summary>
    public async Task<string> RunAsync(params string[] arguments)
    {
        var (exit, output, error) = await TryRunAsync(arguments);
        if (exit != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', arguments)} exited with {exit}: {output}{error}");
        }
        return output;
    }

    /// <summary>Runs git and returns its exit code, standard output and standard error.</summary>
    public async Task<(int ExitCode, string Output, string Error)> TryRunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        start.Environment["GIT_CONFIG_GLOBAL"] = _emptyConfig;
        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        start.Environment["GIT_MERGE_AUTOEDIT"] = "no";
        start.Environment["LC_ALL"] = "C";
        start.Environment["LANG"] = "C";
        start.Environment["LANGUAGE"] = "C";
        if (CommitDate is { } date)
        {
            var raw = $"{date.ToUnixTimeSeconds()} +0000";
            start.Environment["GIT_AUTHOR_DATE"] = raw;
            start.Environment["GIT_COMMITTER_DATE"] = raw;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("git did not start.");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    /// <summary>The commit id HEAD (or another rev) names.</summary>
    public async Task<string> RevParseAsync(string rev = "HEAD") => (await RunAsync("rev-parse", "--verify", "-q", rev)).Trim();

    /// <summary>Every file of the working tree (outside <c>.git</c>) by slash-separated path, with its bytes.</summary>
    public SortedDictionary<string, byte[]> ReadWorkingTree()
    {
        var result = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        var gitFolder = Path.Combine(Folder, ".git");
        foreach (var file in Directory.EnumerateFiles(Folder, "*", SearchOption.AllDirectories))
        {
            if (file.StartsWith(gitFolder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                continue;
            }
            result[Path.GetRelativePath(Folder, file).Replace(Path.DirectorySeparatorChar, '/')] = File.ReadAllBytes(file);
        }
        return result;
    }
}
