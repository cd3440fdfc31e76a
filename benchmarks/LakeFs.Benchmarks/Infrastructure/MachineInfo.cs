using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace LakeFs.Benchmarks.Infrastructure;

/// <summary>
/// The machine a run measured: cores, memory, load (Linux), runtime, and a CPU speed reading (SHA-256 of 16 MiB,
/// best of five) that tells runs on a slower or busier machine apart: the same code on the same kind of machine
/// read 40% slower on stat and list one day than another.
/// </summary>
public sealed record MachineInfo(string Os, string Runtime, int Cores, double? MemoryGiB, string? LoadAverage, string? Cpu, double Sha256MBps)
{
    public static MachineInfo Capture()
    {
        double? memory = null;
        string? load = null;
        string? cpu = null;
        try
        {
            if (File.Exists("/proc/meminfo"))
            {
                var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
                memory = double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / (1024 * 1024);
            }
            if (File.Exists("/proc/loadavg"))
            {
                load = string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
            }
            if (File.Exists("/proc/cpuinfo"))
            {
                cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim();
            }
        }
        catch (IOException)
        {
        }
        return new MachineInfo(RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription, Environment.ProcessorCount, memory, load, cpu, Sha256Speed());
    }

    private static double Sha256Speed()
    {
        var data = new byte[16 << 20];
        var best = double.MaxValue;
        for (var i = 0; i < 5; i++)
        {
            var sw = Stopwatch.StartNew();
            SHA256.HashData(data);
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return data.Length / best / 1e6;
    }

    public override string ToString() =>
        $"{Cores} cores{(Cpu is null ? "" : $" ({Cpu})")}, {(MemoryGiB is { } m ? $"{m:F0} GiB RAM" : "RAM unknown")}, " +
        $"load average {LoadAverage ?? "n/a"}, SHA-256 {Sha256MBps:N0} MB/s, {Os}, {Runtime}";
}
