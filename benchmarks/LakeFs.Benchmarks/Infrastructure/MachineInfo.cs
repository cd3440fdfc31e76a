using System.Globalization;
using System.Runtime.InteropServices;

namespace LakeFs.Benchmarks.Infrastructure;

/// <summary>The machine a run measured: cores, memory, load (Linux), runtime.</summary>
public sealed record MachineInfo(string Os, string Runtime, int Cores, double? MemoryGiB, string? LoadAverage, string? Cpu)
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
        return new MachineInfo(RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription, Environment.ProcessorCount, memory, load, cpu);
    }

    public override string ToString() =>
        $"{Cores} cores{(Cpu is null ? "" : $" ({Cpu})")}, {(MemoryGiB is { } m ? $"{m:F0} GiB RAM" : "RAM unknown")}, " +
        $"load average {LoadAverage ?? "n/a"}, {Os}, {Runtime}";
}
