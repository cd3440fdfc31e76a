using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using LakeFs.Benchmarks.Scenarios.SideBySide;

namespace LakeFs.Benchmarks.Infrastructure;

/// <summary>Renders a suite result as a console table, markdown, and JSON.</summary>
public static class Report
{
    private static readonly string[] Tools = ["LakeFs", "git CLI", "LibGit2Sharp"];

    public static string Format(double value) => double.IsNaN(value) ? "—"
        : Math.Abs(value) >= 100 ? value.ToString("N0", CultureInfo.InvariantCulture)
        : Math.Abs(value) >= 10 ? value.ToString("0.0", CultureInfo.InvariantCulture)
        : value.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>The status cell: met, MISSED, (scaled), n/a, or empty without a goal; a relative goal adds the ratio.</summary>
    public static string Status(Metric metric, SuiteResult result) => metric.Samples.Count == 0 ? "n/a"
        : metric.Verdict(result.Metrics, result.Options.JudgeGoals)?.Text ?? "";

    /// <summary>The results as markdown: the goal table, then the side-by-side table.</summary>
    public static string Markdown(SuiteResult result, string? command = null)
    {
        var judge = result.Options.JudgeGoals;
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Run {result.Started:yyyy-MM-dd HH:mm} UTC, scale {result.Options.Scale.ToString(CultureInfo.InvariantCulture)}, {result.Options.Warmups} warm-up + {result.Options.Runs} runs per metric (fewer where noted), {result.Elapsed.TotalMinutes:F1} min in all.");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Machine: {result.Machine}; load average at start {result.LoadAtStart ?? "n/a"}.");
        if (command is not null)
        {
            sb.AppendLine();
            sb.AppendLine(CultureInfo.InvariantCulture, $"Command: `{command}`");
        }
        if (!judge)
        {
            sb.AppendLine();
            sb.AppendLine("Goals are written for scale 1 and are not judged at this scale.");
        }
        sb.AppendLine();
        sb.AppendLine("| scenario | metric | median | min – max | unit | goal | status | peak WS MiB | CPU ms/run | note |");
        sb.AppendLine("|---|---|--:|--:|---|---|---|--:|--:|---|");
        foreach (var m in result.Metrics.Where(m => m.Tool is null))
        {
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {m.Scenario} | {m.Name} | {Format(m.Median)} | {Format(m.Min)} – {Format(m.Max)} | {m.Unit} | {m.Goal?.ToString() ?? ""} | {Status(m, result)} | {(m.PeakWorkingSetMiB is { } p ? Format(p) : "")} | {(m.CpuMsPerRun is { } c ? Format(c) : "")} | {m.Note ?? ""} |");
        }
        var side = SideBySideRows(result).ToArray();
        if (side.Length > 0)
        {
            sb.AppendLine();
            sb.AppendLine("Side by side (ms, median; ratio > 1 means LakeFs is faster):");
            sb.AppendLine();
            sb.AppendLine("| step | LakeFs | git CLI | LibGit2Sharp | git ÷ LakeFs | LibGit2Sharp ÷ LakeFs |");
            sb.AppendLine("|---|--:|--:|--:|--:|--:|");
            foreach (var row in side)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"| {row[0]} | {row[1]} | {row[2]} | {row[3]} | {row[4]} | {row[5]} |");
            }
            foreach (var note in result.Metrics.Where(m => m.Tool is not null && m.Note is not null).Select(m => $"{m.Tool}: {m.Note}").Distinct())
            {
                sb.AppendLine();
                sb.AppendLine(CultureInfo.InvariantCulture, $"- {note}");
            }
        }
        return sb.ToString();
    }

    /// <summary>The results as a plain-text table for the console.</summary>
    public static string Console(SuiteResult result)
    {
        var rows = new List<string[]> { new[] { "scenario", "metric", "median", "min – max", "unit", "goal", "status", "peak WS MiB", "CPU ms/run" } };
        rows.AddRange(result.Metrics.Where(m => m.Tool is null).Select(m => new[]
        {
            m.Scenario, m.Name, Format(m.Median), $"{Format(m.Min)} – {Format(m.Max)}", m.Unit, m.Goal?.ToString() ?? "", Status(m, result),
            m.PeakWorkingSetMiB is { } p ? Format(p) : "",
            m.CpuMsPerRun is { } c ? Format(c) : "",
        }));
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Machine: {result.Machine}; load at start {result.LoadAtStart ?? "n/a"}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"Scale {result.Options.Scale.ToString(CultureInfo.InvariantCulture)}, {result.Options.Warmups} warm-up + {result.Options.Runs} runs; {result.Elapsed.TotalMinutes:F1} min; process peak working set {Format(result.ProcessPeakWorkingSetMiB)} MiB");
        AppendTable(sb, rows, rightAligned: [2, 3, 7, 8]);
        var notes = result.Metrics.Where(m => m.Tool is null && m.Note is not null).ToArray();
        foreach (var m in notes)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  {m.Scenario} / {m.Name}: {m.Note}");
        }
        var side = SideBySideRows(result).ToList();
        if (side.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("Side by side (ms, median; ratio > 1 means LakeFs is faster):");
            side.Insert(0, ["step", "LakeFs", "git CLI", "LibGit2Sharp", "git ÷ LakeFs", "LibGit2Sharp ÷ LakeFs"]);
            AppendTable(sb, side, rightAligned: [1, 2, 3, 4, 5]);
            foreach (var note in result.Metrics.Where(m => m.Tool is not null && m.Note is not null).Select(m => $"{m.Tool}: {m.Note}").Distinct())
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"  {note}");
            }
        }
        return sb.ToString();
    }

    public static string Json(SuiteResult result) => JsonSerializer.Serialize(new
    {
        started = result.Started,
        elapsedSeconds = result.Elapsed.TotalSeconds,
        scale = result.Options.Scale,
        runs = result.Options.Runs,
        warmups = result.Options.Warmups,
        goalsJudged = result.Options.JudgeGoals,
        machine = result.Machine,
        loadAtStart = result.LoadAtStart,
        processPeakWorkingSetMiB = result.ProcessPeakWorkingSetMiB,
        scenarioSeconds = result.ScenarioSeconds,
        metrics = result.Metrics.Select(m => new
        {
            scenario = m.Scenario,
            name = m.Name,
            tool = m.Tool,
            step = m.Step,
            unit = m.Unit,
            median = Nullable(m.Median),
            min = Nullable(m.Min),
            max = Nullable(m.Max),
            samples = m.Samples,
            goal = m.Goal?.ToString(),
            goalMet = m.Verdict(result.Metrics, result.Options.JudgeGoals)?.Met,
            goalRatio = m.Verdict(result.Metrics, result.Options.JudgeGoals)?.Ratio,
            peakWorkingSetMiB = m.PeakWorkingSetMiB,
            cpuMsPerRun = m.CpuMsPerRun,
            note = m.Note,
        }),
    }, JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static double? Nullable(double value) => double.IsNaN(value) ? null : value;

    private static IEnumerable<string[]> SideBySideRows(SuiteResult result)
    {
        var side = result.Metrics.Where(m => m.Scenario == SideBySideScenario.ScenarioName && m.Tool is not null).ToArray();
        if (side.Length == 0)
        {
            yield break;
        }
        foreach (var step in SideBySideScenario.Steps)
        {
            double Median(string tool) => side.FirstOrDefault(m => m.Step == step && m.Tool == tool)?.Median ?? double.NaN;
            var lake = Median(Tools[0]);
            var git = Median(Tools[1]);
            var lg2 = Median(Tools[2]);
            yield return [step, Format(lake), Format(git), Format(lg2), Ratio(git, lake), Ratio(lg2, lake)];
        }
    }

    private static string Ratio(double other, double lake) =>
        double.IsNaN(other) || double.IsNaN(lake) || lake <= 0 ? "—" : (other / lake).ToString("0.00", CultureInfo.InvariantCulture) + "×";

    private static void AppendTable(StringBuilder sb, List<string[]> rows, int[] rightAligned)
    {
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        for (var r = 0; r < rows.Count; r++)
        {
            sb.AppendLine(string.Join("  ", rows[r].Select((cell, c) => rightAligned.Contains(c) ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]))).TrimEnd());
            if (r == 0)
            {
                sb.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
            }
        }
    }
}
