using System.Diagnostics;
using LakeFs.Core;
using LakeFs.Core.Model;

namespace LakeFs.Benchmarks.Infrastructure;

/// <summary>
/// Large repositories built once per run and shared by scenarios: paths are linked to one uploaded object with
/// distinct checksums (each path its own version), which builds a million entries in seconds instead of writing
/// a million files.
/// </summary>
public sealed class Fixtures(string tempRoot) : IAsyncDisposable
{
    private readonly Dictionary<int, string> _stagedTemplates = [];
    private readonly Dictionary<int, int[]> _sortedOrders = [];
    private readonly Dictionary<int, (Repository Repo, string Folder)> _committed = [];
    private int _folders;
    private long _checksums;

    /// <summary>Path of object <paramref name="i"/>: a table layout with partitions.</summary>
    public static string PathOf(int i) => $"tables/t{i % 8}/part={i / 8 % 500:D3}/obj-{i:D8}.parquet";

    /// <summary>
    /// <paramref name="k"/> indexes whose paths are adjacent in key order (like rewriting one partition), starting
    /// at position <paramref name="start"/> of the sorted paths of a repository of <paramref name="n"/> objects.
    /// </summary>
    public int[] Clustered(int n, int start, int k)
    {
        if (!_sortedOrders.TryGetValue(n, out var order))
        {
            order = [.. Enumerable.Range(0, n).OrderBy(PathOf, StringComparer.Ordinal)];
            _sortedOrders[n] = order;
        }
        start = Math.Clamp(start, 0, Math.Max(0, n - k));
        return order[start..Math.Min(n, start + k)];
    }

    /// <summary><paramref name="k"/> distinct random indexes below <paramref name="n"/>.</summary>
    public static int[] RandomIndexes(Random random, int n, int k) =>
        [.. Enumerable.Range(0, k * 2).Select(_ => random.Next(n)).Distinct().Take(Math.Min(k, n))];

    /// <summary>A checksum no other link of this run has used (so every link is a new version).</summary>
    public string NextChecksum() => Interlocked.Increment(ref _checksums).ToString("x64", System.Globalization.CultureInfo.InvariantCulture);

    public static async Task<(string Address, long Size)> PutSharedObjectAsync(Repository repo)
    {
        var address = repo.CreatePhysicalAddress();
        await repo.ObjectStore.PutAsync(address, new MemoryStream(new byte[64]));
        return (address, 64);
    }

    /// <summary>Links the paths on a branch: 256 concurrent links, so group commit fills each SQLite transaction.</summary>
    public async Task LinkAsync(Repository repo, string branch, IEnumerable<int> indexes, int count, ScenarioContext? context = null)
    {
        var (address, size) = await PutSharedObjectAsync(repo);
        var progress = context?.Progress($"link {count:N0} paths", count);
        long done = 0;
        await Parallel.ForEachAsync(indexes, new ParallelOptions { MaxDegreeOfParallelism = 256 }, async (i, ct) =>
        {
            await repo.LinkObjectAsync(branch, PathOf(i), address, size, NextChecksum(), cancellationToken: ct);
            progress?.Invoke(Interlocked.Increment(ref done));
        });
    }

    /// <summary>
    /// Puts <paramref name="count"/> small objects on <paramref name="branch"/> at paths no fixture commits, spread
    /// between the committed ones of a repository of <paramref name="n"/> objects (same tables and partitions, so
    /// they fall in the same ranges): uncommitted changes for a read to look past. Undo with <c>ResetAsync</c>.
    /// </summary>
    public static async Task StageOtherPathsAsync(Repository repo, string branch, int n, int count, CancellationToken cancellationToken)
    {
        var random = new Random(43);
        for (var i = 0; i < count; i++)
        {
            var index = random.Next(n);
            await repo.PutObjectAsync(branch, $"tables/t{index % 8}/part={index / 8 % 500:D3}/new-{i:D8}.parquet",
                new MemoryStream(new byte[64]), cancellationToken: cancellationToken);
        }
    }

    /// <summary>Throws when <paramref name="branch"/> has uncommitted changes: a shared repository must be left clean.</summary>
    public static async Task ThrowIfDirtyAsync(Repository repo, string branch, string when, CancellationToken cancellationToken)
    {
        await foreach (var change in repo.DiffUncommittedAsync(branch, cancellationToken: cancellationToken))
        {
            throw new InvalidOperationException($"Branch {branch} of the shared repository has uncommitted changes {when} (first: {change.Path}).");
        }
    }

    /// <summary>A closed repository folder with <paramref name="n"/> staged, uncommitted entries on main. Copy it before use.</summary>
    public async Task<string> StagedTemplateAsync(int n, ScenarioContext context)
    {
        if (_stagedTemplates.TryGetValue(n, out var folder))
        {
            return folder;
        }
        folder = NewFolder($"template-{n}");
        var sw = Stopwatch.StartNew();
        await using (var repo = await Repository.CreateAsync(folder))
        {
            await LinkAsync(repo, "main", Enumerable.Range(0, n), n, context);
        }
        context.Log($"staged {n:N0} entries in {sw.Elapsed.TotalSeconds:F1} s ({n / sw.Elapsed.TotalSeconds:N0} links/s)");
        _stagedTemplates[n] = folder;
        return folder;
    }

    /// <summary>A copy of a staged template, ready to open.</summary>
    public async Task<string> CopyOfStagedAsync(int n, ScenarioContext context)
    {
        var template = await StagedTemplateAsync(n, context);
        var copy = NewFolder($"copy-{n}");
        CopyDirectory(template, copy);
        return copy;
    }

    /// <summary>An open repository whose main holds <paramref name="n"/> committed objects; shared, do not dispose.</summary>
    public async Task<Repository> CommittedAsync(int n, ScenarioContext context)
    {
        if (_committed.TryGetValue(n, out var existing))
        {
            return existing.Repo;
        }
        var folder = await CopyOfStagedAsync(n, context);
        var repo = await Repository.OpenAsync(folder);
        var sw = Stopwatch.StartNew();
        var commit = await repo.CommitAsync("main", $"load {n:N0}");
        context.Log($"committed {n:N0} entries in {sw.Elapsed.TotalSeconds:F1} s ({commit.Statistics!.RangesWritten} ranges)");
        _committed[n] = (repo, folder);
        return repo;
    }

    /// <summary>Folder of the shared repository built by <see cref="CommittedAsync"/> (to open a second, cold instance).</summary>
    public string CommittedFolder(int n) => _committed[n].Folder;

    /// <summary>Takes over a repository whose main holds <paramref name="n"/> committed objects as the shared one.</summary>
    public async Task AdoptCommittedAsync(int n, Repository repo, string folder)
    {
        if (_committed.TryGetValue(n, out var existing))
        {
            await existing.Repo.DisposeAsync();
        }
        _committed[n] = (repo, folder);
    }

    private string NewFolder(string label)
    {
        var path = Path.Combine(tempRoot, $"fixture-{Interlocked.Increment(ref _folders):D3}-{label}");
        Directory.CreateDirectory(path);
        return path;
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
        foreach (var dir in Directory.EnumerateDirectories(from))
        {
            CopyDirectory(dir, Path.Combine(to, Path.GetFileName(dir)));
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (repo, _) in _committed.Values)
        {
            await repo.DisposeAsync();
        }
        _committed.Clear();
    }
}
