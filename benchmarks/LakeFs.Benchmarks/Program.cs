using System.Globalization;
using LakeFs.Benchmarks;
using LakeFs.Benchmarks.Infrastructure;

// dotnet run -c Release --project benchmarks/LakeFs.Benchmarks -- [--scale N] [--only SCENARIO[,SCENARIO]] [--out DIR]
//     [--runs N] [--warmups N] [--no-side-by-side] [--temp DIR] [--telemetry]
var scale = 1.0;
var only = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
string? outDir = null;
string? temp = null;
var runs = 5;
var warmups = 1;
var sideBySide = true;
var telemetry = false;
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    switch (args[i])
    {
        case "--scale": scale = double.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--only": only.UnionWith(Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)); break;
        case "--out": outDir = Next(); break;
        case "--temp": temp = Next(); break;
        case "--runs": runs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--warmups": warmups = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--no-side-by-side": sideBySide = false; break;
        case "--telemetry": telemetry = true; break;
        case "--list":
            foreach (var s in BenchmarkSuite.All())
            {
                Console.WriteLine($"{s.Name,-14} {s.Description}");
            }
            foreach (var s in BenchmarkSuite.OnDemand())
            {
                Console.WriteLine($"{s.Name,-14} {s.Description} (only with --only)");
            }
            return 0;
        case "-h" or "--help":
            Console.WriteLine("""
                LakeFs benchmarks: builds its own data in a temp folder (deleted after) and prints a results table.
                  --scale N            multiply every size by N (default 1; 0.01 for a quick look)
                  --only A[,B]         run only these scenarios (see --list)
                  --out DIR            also write results.json and results.md to DIR
                  --runs N             measured runs per metric (default 5); --warmups N (default 1)
                  --no-side-by-side    skip the git CLI and LibGit2Sharp columns
                  --temp DIR           parent folder for the temporary data (default: the system temp folder)
                  --telemetry          listen to the "LakeFs" traces and metrics as an exporter would (their cost on)
                """);
            return 0;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}' (try --help).");
            return 2;
    }
}
if (scale <= 0 || runs < 1 || warmups < 0)
{
    Console.Error.WriteLine("--scale must be > 0, --runs ≥ 1, --warmups ≥ 0.");
    return 2;
}

var options = new BenchmarkOptions { Scale = scale, Only = only, Runs = runs, Warmups = warmups, SideBySide = sideBySide, TempRoot = temp };
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
using var listeners = telemetry ? new TelemetryListeners() : null;
var result = await BenchmarkSuite.RunAsync(options, cancel.Token);
if (listeners is not null)
{
    Console.WriteLine($"Telemetry on: {listeners.Counts.Spans:N0} spans and {listeners.Counts.Measurements:N0} measurements recorded.");
}
Console.WriteLine();
Console.WriteLine(Report.Console(result));
if (outDir is not null)
{
    Directory.CreateDirectory(outDir);
    var command = "dotnet run -c Release --project benchmarks/LakeFs.Benchmarks -- " + string.Join(' ', args);
    await File.WriteAllTextAsync(Path.Combine(outDir, "results.json"), Report.Json(result));
    await File.WriteAllTextAsync(Path.Combine(outDir, "results.md"), Report.Markdown(result, command.TrimEnd()));
    Console.WriteLine($"Wrote results.json and results.md to {Path.GetFullPath(outDir)}");
}
return 0;
