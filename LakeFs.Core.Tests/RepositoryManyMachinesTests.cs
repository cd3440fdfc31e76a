using System.Globalization;
using LakeFs.Core.Tests.Probe;
using LakeFs.Core.Tests.Storage;
using LakeFs.Core.Tests.Storage.S3;
using LakeFs.Core.Tests.TestSupport;

namespace LakeFs.Core.Tests;

/// <summary>
/// Many machines on one repository: three processes (the probe's <c>many-machines</c>, see <see cref="ManyMachines"/>),
/// each with caches of its own, share one bucket of the S3 emulator and one PostgreSQL schema, putting, committing and
/// merging on shared branches for 20 s. Afterwards every acknowledged write is readable where it was written,
/// every acknowledged commit is in its branch's history, every head is a readable commit, no object is half-written
/// and <see cref="Repository.VerifyAsync"/> finds nothing wrong.
/// </summary>
[NonParallelizable]
public sealed class RepositoryManyMachinesTests
{
    private const int Machines = 3;
    private const double Seconds = 20;

    private sealed record Put(string Branch, string Path, string Sha256);

    [Test]
    public async Task Three_processes_on_one_bucket_and_one_database_lose_and_half_apply_nothing()
    {
        var endpoint = CloudEmulator.RequireEndpoint(S3Emulator.Variable, "s3rver");
        var postgres = PostgreSqlServer.FreshOptions();
        (await S3Emulator.ConnectAsync()).Dispose();
        using var temp = new TempDirectory();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            string[] shared = [endpoint, S3Emulator.Bucket, CloudEmulator.FreshPrefix(), postgres.ConnectionString, postgres.Schema];
            var options = ManyMachines.Options(shared[0], shared[1], shared[2], shared[3], shared[4]);
            await using (var repository = await Repository.CreateAsync(options))
            {
                await repository.BranchAsync("dev", "main");
                await repository.BranchAsync("exp", "main");
            }

            var created = clock.Elapsed;
            var journals = Enumerable.Range(1, Machines).Select(m => Path.Combine(temp.Path, $"machine-{m}.journal")).ToArray();
            await Task.WhenAll(Enumerable.Range(1, Machines).Select(m => ProbeProcess.RunAsync(
                ["many-machines", .. shared, m.ToString(CultureInfo.InvariantCulture), Seconds.ToString(CultureInfo.InvariantCulture), journals[m - 1]])));

            var ran = clock.Elapsed;
            var puts = new List<Put>();
            var commits = new List<(string Branch, string Id)>();
            var refused = 0;
            foreach (var journal in journals)
            {
                var lines = await File.ReadAllLinesAsync(journal);
                Assert.That(lines.Count(l => l.StartsWith("P ", StringComparison.Ordinal)), Is.Positive, $"{journal} acknowledged puts");
                foreach (var fields in lines.Select(l => l.Split(' ')))
                {
                    switch (fields[0])
                    {
                        case "P":
                            puts.Add(new Put(fields[1], fields[2], fields[3]));
                            break;
                        case "C":
                            commits.Add((fields[1], fields[2]));
                            break;
                        case "F":
                            refused++;
                            break;
                        default:
                            await TestContext.Out.WriteLineAsync($"{Path.GetFileName(journal)}: {string.Join(' ', fields)}");
                            break;
                    }
                }
            }
            await TestContext.Out.WriteLineAsync($"{puts.Count} puts, {commits.Count} commits and merges acknowledged, {refused} refused");
            Assert.That(commits.Count(c => c.Branch == "exp"), Is.Positive, "the machines merged into exp");
            Assert.That(commits.Count(c => c.Branch != "exp"), Is.Positive, "the machines committed");

            // A fresh process-wide view: nothing from the machines' caches.
            await using var repo = await Repository.OpenAsync(options);
            var written = puts.ToDictionary(p => (p.Branch, p.Path), p => p.Sha256);
            foreach (var branch in ManyMachines.Branches)
            {
                var head = (await repo.GetBranchAsync(branch)).Head;
                Assert.That((await repo.GetCommitAsync(head)).Id, Is.EqualTo(head), $"the head of {branch} is a readable commit");
                var history = new HashSet<string>(StringComparer.Ordinal);
                await foreach (var commit in repo.LogAsync(head))
                {
                    history.Add(commit.Id);
                }
                foreach (var (_, id) in commits.Where(c => c.Branch == branch))
                {
                    Assert.That(history, Does.Contain(id), $"acknowledged commit {id} is in the history of {branch}");
                }

                var listed = new Dictionary<string, string>(StringComparer.Ordinal);
                await foreach (var item in repo.ListObjectsAsync(branch))
                {
                    listed[item.Path] = item.Object!.Checksum;
                    Assert.That(item.Object.Checksum, Is.EqualTo(ManyMachines.Sha256(ManyMachines.Content(item.Path))), $"{branch}/{item.Path} is whole");
                    // exp holds what merges brought from main and dev; main and dev only what was put on them.
                    Assert.That(branch == "exp" ? written.ContainsKey(("main", item.Path)) || written.ContainsKey(("dev", item.Path)) : written.ContainsKey((branch, item.Path)),
                        $"{branch}/{item.Path} was an acknowledged put");
                }
                var onBranch = puts.Where(p => p.Branch == branch).ToList();
                foreach (var put in onBranch)
                {
                    Assert.That(listed.GetValueOrDefault(put.Path), Is.EqualTo(put.Sha256), $"acknowledged put {branch}/{put.Path} is there");
                }
                // Read back a sample byte for byte (all of them would spend most of the test's time on the emulator).
                foreach (var put in onBranch.Where((_, i) => i % 10 == 0))
                {
                    var stream = await repo.OpenReadAsync(branch, put.Path);
                    await using (stream)
                    {
                        using var copy = new MemoryStream();
                        await stream.CopyToAsync(copy);
                        Assert.That(ManyMachines.Sha256(copy.ToArray()), Is.EqualTo(put.Sha256), $"{branch}/{put.Path} reads back");
                    }
                }
            }
            var checkedAt = clock.Elapsed;
            Assert.That((await repo.VerifyAsync()).Problems, Is.Empty);
            await TestContext.Out.WriteLineAsync(
                $"create {created.TotalSeconds:F1} s, machines until {ran.TotalSeconds:F1} s, checks until {checkedAt.TotalSeconds:F1} s, verify until {clock.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            PostgreSqlServer.DropSchema(postgres);
        }
    }
}
