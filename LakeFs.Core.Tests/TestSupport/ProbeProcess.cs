using System.Diagnostics;

namespace LakeFs.Core.Tests.TestSupport;

/// <summary>Runs LakeFs.Core.Tests.Probe, the tests' second-process program, and returns its standard output.</summary>
public static class ProbeProcess
{
    public static async Task<string> RunAsync(params string[] arguments)
    {
        // The test project references the probe, so the build copies it (with its deps and runtime config) next to the tests.
        var probe = Path.Combine(AppContext.BaseDirectory, "LakeFs.Core.Tests.Probe.dll");
        Assert.That(File.Exists(probe), $"the probe was not built next to the tests ({probe})");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[probe, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        Assert.That(process.ExitCode, Is.Zero, $"probe {string.Join(' ', arguments)} failed:\n{await error}");
        return await output;
    }
}
