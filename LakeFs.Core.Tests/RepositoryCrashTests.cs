using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.Probe;
using LakeFs.Core.Tests.TestSupport;

namespace LakeFs.Core.Tests;

/// <summary>
/// Crash trials: a child process (the probe's <c>crash-mix</c>, see <see cref="CrashMix"/>) runs a seeded random mix
/// of puts, deletes, bulk puts with large commits, commits, merges, reverts, cherry-picks, resets, tags and garbage
/// collections with no grace period, journaling each acknowledged operation with fsync; the test kills it with SIGKILL
/// at a random moment, reopens the repository and checks that every branch shows exactly what the journal
/// acknowledged (the operation in flight at the kill either whole or not at all, per object), every object's bytes
/// hash to their recorded checksum, every acknowledged commit
/// and tag reads back exactly (and a sample of the commits earlier trials of the chain acknowledged: collection must
/// keep whatever a branch reaches), every head is a readable commit, and VerifyAsync (with content) finds nothing.
/// <para>
/// CI runs 36 trials at ProcessCrash and 14 at PowerLoss, in two chains each (every trial of a chain continues the
/// repository the previous kill left). Long mode: <c>LAKEFS_CRASH_TRIALS=1000</c> runs that many (three quarters at
/// ProcessCrash) and prints a summary per durability level (trials, acknowledged operations, lost 0, commits read back,
/// unreadable 0, what collection deleted). A failure prints the base seed, the trial's seed and kill delay:
/// <c>LAKEFS_CRASH_SEED=&lt;base seed&gt;</c> replays the same plan (the moment of each kill is only approximately the same).
/// </para>
/// </summary>
[NonParallelizable]
public sealed class RepositoryCrashTests
{
    private const int CiProcessCrashTrials = 36;
    private const int CiPowerLossTrials = 14;
    private const int MaxKillDelayMs = 1200;
    private const int Lanes = 2;

    /// <summary>Commits acknowledged by earlier trials of a chain that each trial reads back again (a sample, as the chain grows).</summary>
    private const int EarlierCommitsChecked = 8;

    private sealed record TrialResult(int Seed, int DelayMs, CrashJournal Journal, int EarlierCommits, TimeSpan Elapsed, TimeSpan Startup, TimeSpan Check);

    [TestCase(Durability.ProcessCrash)]
    [TestCase(Durability.PowerLoss)]
    public async Task Killed_at_random_moments_the_repository_keeps_every_acknowledged_operation(Durability durability)
    {
        var trials = TrialCount(durability);
        var baseSeed = Environment.GetEnvironmentVariable("LAKEFS_CRASH_SEED") is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : Random.Shared.Next();
        var random = new Random(baseSeed);
        var plan = Enumerable.Range(0, trials).Select(i => (Index: i, Seed: random.Next(), Delay: random.Next(MaxKillDelayMs))).ToList();
        var results = new ConcurrentBag<TrialResult>();
        var failures = new ConcurrentQueue<string>();
        var clock = Stopwatch.StartNew();
        // Two chains of trials at a time, each on one repository that every kill leaves deeper (more commits to merge
        // and revert): most of a trial is the child's start (the runtime's JIT), which leaves a core idle.
        await Parallel.ForEachAsync(plan.GroupBy(t => t.Index % Lanes), new ParallelOptions { MaxDegreeOfParallelism = Lanes }, async (lane, _) =>
        {
            using var temp = new TempDirectory();
            var folder = temp.Combine("repo");
            var options = Repository.LocalOptions(folder) with { Durability = durability };
            await using (var repo = await Repository.CreateAsync(options))
            {
                foreach (var branch in CrashMix.Branches.Where(b => b != "main"))
                {
                    await repo.BranchAsync(branch, "main");
                }
            }
            // Every commit the chain's earlier trials acknowledged stays reachable (no branch is deleted or moved back),
            // so garbage collection must keep it readable in every later trial.
            var earlier = new List<(string Id, UInt128 Digest)>();
            foreach (var trial in lane)
            {
                try
                {
                    var result = await RunTrialAsync(options, temp.Combine($"journal-{trial.Index}"), trial.Seed, trial.Delay, earlier);
                    results.Add(result);
                    earlier.AddRange(result.Journal.Commits);
                }
                catch (Exception e)
                {
                    failures.Enqueue($"{durability} trial {trial.Index} (seed {trial.Seed}, kill {trial.Delay} ms after ready) failed; "
                        + $"replay its chain with LAKEFS_CRASH_SEED={baseSeed} LAKEFS_CRASH_TRIALS={(durability == Durability.ProcessCrash ? trials : trials * 4)}\n{e}");
                    return;
                }
            }
        });
        Assert.That(failures, Is.Empty, () => string.Join("\n\n", failures));
        var journals = results.Select(r => r.Journal).ToList();
        var kinds = journals.SelectMany(j => j.ByKind.Keys).Distinct().Order(StringComparer.Ordinal)
            .Select(k => $"{k} {journals.Sum(j => j.ByKind.GetValueOrDefault(k))} ({journals.Sum(j => j.RefusedByKind.GetValueOrDefault(k))} refused)");
        // Reaching this line means every check passed: nothing acknowledged was lost and every commit read back.
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{durability}: {results.Count} trials in {clock.Elapsed.TotalSeconds:F1} s ({clock.Elapsed.TotalMilliseconds / Math.Max(1, results.Count):F0} ms each), base seed {baseSeed}; "
            + $"{journals.Sum(j => j.Acknowledged)} acknowledged operations ({journals.Sum(j => j.Refused)} refused by a typed error), lost 0; "
            + $"{journals.Sum(j => j.Commits.Count)} acknowledged commits read back (and {results.Sum(r => r.EarlierCommits)} of earlier trials again), unreadable 0; "
            + $"garbage collection deleted {journals.Sum(j => j.GcObjectsDeleted)} data objects and {journals.Sum(j => j.GcTreeFilesDeleted)} range files; "
            + $"by kind: {string.Join(", ", kinds)}; "
            + $"child start to ready {results.Average(r => r.Startup.TotalMilliseconds):F0} ms, check {results.Average(r => r.Check.TotalMilliseconds):F0} ms on average; "
            + $"in flight at the kill: {string.Join(", ", results.GroupBy(r => r.Journal.InFlight?.Kind ?? "none").OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"))}");
        TestContext.Progress.WriteLine(summary);
        Assert.That(journals.Sum(j => j.Acknowledged), Is.GreaterThan(trials), "the children got work done before the kills");
    }

    private static int TrialCount(Durability durability)
    {
        if (Environment.GetEnvironmentVariable("LAKEFS_CRASH_TRIALS") is { } text)
        {
            var total = int.Parse(text, CultureInfo.InvariantCulture);
            return durability == Durability.ProcessCrash ? total - total / 4 : total / 4;
        }
        return durability == Durability.ProcessCrash ? CiProcessCrashTrials : CiPowerLossTrials;
    }

    private static async Task<TrialResult> RunTrialAsync(RepositoryOptions options, string journalPath, int seed, int delayMs, IReadOnlyList<(string Id, UInt128 Digest)> earlier)
    {
        var clock = Stopwatch.StartNew();
        var folder = Path.GetDirectoryName(((SqliteRefStoreOptions)options.RefStore).Path)!;
        var ready = await RunAndKillAsync(folder, seed, journalPath, options.Durability, delayMs);
        var killed = clock.Elapsed;
        var journal = CrashJournal.Read(journalPath);
        Assert.That(journal.Ready, "the child journaled its start state");
        Assert.That(journal.GcCommitsExpired, Is.Zero, "commits garbage collection expired, although every commit stays reachable");
        await using var reopened = await Repository.OpenAsync(options);
        await CheckAsync(reopened, journal, seed);
        var sample = new Random(seed);
        var again = earlier.Count <= EarlierCommitsChecked ? earlier : [.. Enumerable.Range(0, EarlierCommitsChecked).Select(_ => earlier[sample.Next(earlier.Count)])];
        foreach (var (id, expected) in again)
        {
            Assert.That(CrashMix.Format((await CrashMix.ViewAsync(reopened, id)).Digest), Is.EqualTo(CrashMix.Format(expected)), $"commit {id} of an earlier trial reads back exactly");
        }
        return new TrialResult(seed, delayMs, journal, again.Count, clock.Elapsed, ready, clock.Elapsed - killed);
    }

    /// <summary>Starts the child, kills it <paramref name="delayMs"/> after it is ready; returns how long it took to get ready.</summary>
    private static async Task<TimeSpan> RunAndKillAsync(string folder, int seed, string journal, Durability durability, int delayMs)
    {
        var probe = Path.Combine(AppContext.BaseDirectory, "LakeFs.Core.Tests.Probe.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[probe, "crash-mix", folder, seed.ToString(CultureInfo.InvariantCulture), journal, durability.ToString()])
        {
            start.ArgumentList.Add(argument);
        }
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            Assert.That(line, Is.EqualTo("ready"), () => $"the child did not start:\n{error.Result}");
            var ready = clock.Elapsed;
            await Task.Delay(delayMs);
            Assert.That(process.HasExited, Is.False, () => $"the child stopped by itself (exit code {process.ExitCode}):\n{error.Result}");
            return ready;
        }
        finally
        {
            // SIGKILL on Unix: no finally block, no flush, no dispose runs in the child.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private static async Task CheckAsync(Repository repo, CrashJournal journal, int seed)
    {
        var inFlight = journal.InFlight;
        foreach (var (branch, expected) in journal.Branches)
        {
            var head = (await repo.GetBranchAsync(branch)).Head;
            Assert.That(await repo.GetCommitAsync(head), Is.Not.Null, $"the head of {branch} is a readable commit");
            var (digest, paths) = await CrashMix.ViewAsync(repo, branch);
            foreach (var (path, checksum) in paths)
            {
                Assert.That(CrashMix.Sha256(await repo.ReadBytesAsync(branch, path)), Is.EqualTo(checksum), $"the bytes of {path} on {branch}");
            }
            var context = $"branch {branch}, in flight: {(inFlight is null ? "none" : $"{inFlight.Kind} {string.Join(' ', inFlight.Args)}")}";
            if (journal.InFlightBranch != branch)
            {
                Assert.That((CrashMix.Format(digest), head), Is.EqualTo((CrashMix.Format(expected.Digest), expected.Head)), $"{context}: exactly what was acknowledged");
                continue;
            }
            var op = inFlight!;
            var untouched = digest == expected.Digest && head == expected.Head;
            switch (op.Kind)
            {
                case "put":
                    {
                        var (path, sha, old) = (op.Args[1], op.Args[2], op.Args[3]);
                        var applied = expected.Digest ^ (old == "-" ? 0 : CrashMix.Share(path, old)) ^ CrashMix.Share(path, sha);
                        Assert.That(head, Is.EqualTo(expected.Head), context);
                        Assert.That(untouched || digest == applied, context + ": the put whole or not at all");
                        break;
                    }
                case "del":
                    Assert.That(head, Is.EqualTo(expected.Head), context);
                    Assert.That(untouched || digest == (expected.Digest ^ CrashMix.Share(op.Args[1], op.Args[2])), context + ": the delete whole or not at all");
                    break;
                case "bulk":
                    {
                        var prefix = op.Args[1];
                        var rest = digest;
                        foreach (var (path, checksum) in paths.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)))
                        {
                            var i = int.Parse(path[prefix.Length..], CultureInfo.InvariantCulture);
                            Assert.That(checksum, Is.EqualTo(CrashMix.Sha256(CrashMix.BulkContent(seed, op.Seq, i))), $"{context}: {path}");
                            rest ^= CrashMix.Share(path, checksum);
                        }
                        Assert.That(head, Is.EqualTo(expected.Head), context);
                        Assert.That(rest, Is.EqualTo(expected.Digest), context + ": nothing but bulk objects changed");
                        break;
                    }
                case "commit":
                    Assert.That(digest, Is.EqualTo(expected.Digest), context + ": a commit changes nothing a reader of the branch sees");
                    if (head != expected.Head)
                    {
                        var commit = await repo.GetCommitAsync(head);
                        Assert.That(commit.Parents[0], Is.EqualTo(expected.Head), context);
                        Assert.That((await CrashMix.ViewAsync(repo, head)).Digest, Is.EqualTo(expected.Digest), context + ": the commit holds what was staged");
                    }
                    break;
                case "merge":
                case "revert":
                    if (!untouched)
                    {
                        var history = (await repo.LogAsync(head).ToListAsync()).Select(c => c.Id).ToList();
                        Assert.That(history, Does.Contain(expected.Head), context + ": the new head descends from the old");
                        Assert.That(digest, Is.EqualTo((await CrashMix.ViewAsync(repo, head)).Digest), context + ": the branch shows its new head");
                    }
                    break;
                case "cherry-pick":
                    if (!untouched)
                    {
                        var pick = await repo.GetCommitAsync(head);
                        Assert.That(pick.Parents, Is.EqualTo(new[] { expected.Head }), context + ": the cherry-pick's one parent is the old head");
                        Assert.That(pick.Metadata[Repository.CherryPickedFromKey], Is.EqualTo(op.Args[1]), context + ": the cherry-pick names its source");
                        Assert.That(digest, Is.EqualTo((await CrashMix.ViewAsync(repo, head)).Digest), context + ": the branch shows its new head");
                    }
                    break;
                case "reset":
                    Assert.That(head, Is.EqualTo(expected.Head), context);
                    Assert.That(untouched || digest == (await CrashMix.ViewAsync(repo, head)).Digest, context + ": the reset whole or not at all");
                    break;
                default:
                    Assert.Fail($"{context}: unknown operation");
                    break;
            }
        }

        var tags = await repo.ListTagsAsync().ToListAsync();
        foreach (var (name, commit) in journal.Tags)
        {
            Assert.That(tags.Single(t => t.Name == name).CommitId, Is.EqualTo(commit), $"tag {name}");
        }
        var extra = tags.Where(t => !journal.Tags.ContainsKey(t.Name)).ToList();
        Assert.That(extra.All(t => inFlight is { Kind: "tag" } && t.Name == inFlight.Args[0] && t.CommitId == inFlight.Args[1]), Is.True,
            $"no tag but the acknowledged ones and the one in flight: {string.Join(", ", extra)}");

        foreach (var (id, expected) in journal.Commits)
        {
            Assert.That((await repo.GetCommitAsync(id)).Id, Is.EqualTo(id));
            Assert.That(CrashMix.Format((await CrashMix.ViewAsync(repo, id)).Digest), Is.EqualTo(CrashMix.Format(expected)), $"commit {id} reads back exactly");
        }

        var report = await repo.VerifyAsync(new VerifyOptions { CheckContent = true });
        Assert.That(report.Problems, Is.Empty, string.Join("\n", report.Problems.Select(p => $"{p.Kind}: {p.Message}")));
    }
}
