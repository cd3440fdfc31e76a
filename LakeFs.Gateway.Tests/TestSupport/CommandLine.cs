using System.Diagnostics;

namespace LakeFs.Gateway.Tests.TestSupport;

/// <summary>Runs a real client program (aws, s3cmd, rclone, python3, curl) and returns its exit code and output.</summary>
public static class CommandLine
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Ignores the test when <paramref name="command"/> is not installed, except under CI (<c>CI=true</c>), where
    /// <c>.ci/run</c> installs the clients and a missing one is a failure.
    /// </summary>
    public static void Require(string command, string package)
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(folder => File.Exists(Path.Combine(folder, command)));
        if (found)
        {
            return;
        }
        var message = $"'{command}' is not installed; install the Debian package {package} (.ci/run does: apt-get install -y {package}).";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(message);
        }
        Assert.Ignore(message);
    }

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(
        string command, IEnumerable<string> arguments, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            // An empty value removes the variable (a CA bundle set for HTTPS proxies makes rclone refuse plain HTTP).
            if (value.Length == 0)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }
        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Cannot start {command}.");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{command} {string.Join(' ', arguments)} did not finish within {Timeout}.");
        }
        TestContext.Progress.WriteLine($"{command} {string.Join(' ', start.ArgumentList.Take(4))}: {stopwatch.ElapsedMilliseconds} ms");
        return (process.ExitCode, await output, await error);
    }

    /// <summary>Runs and asserts a zero exit code, showing the output when it is not; returns standard output.</summary>
    public static async Task<string> CheckAsync(string command, IEnumerable<string> arguments, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var args = arguments.ToList();
        var (exit, output, error) = await RunAsync(command, args, environment, workingDirectory);
        Assert.That(exit, Is.Zero, $"{command} {string.Join(' ', args)}\nstdout:\n{Tail(output)}\nstderr:\n{Tail(error)}");
        return output;
    }

    private static string Tail(string text) => text.Length > 4000 ? "…" + text[^4000..] : text;
}
