using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LakeFs;
using LakeFs.Core;
using LakeFs.Core.Model;

namespace LakeFs.Core.Tests.Probe;

/// <summary>
/// The child of the crash trials (<c>crash-mix &lt;folder&gt; &lt;seed&gt; &lt;journal&gt; &lt;durability&gt;</c>): opens the
/// repository and runs a seeded random mix of puts, deletes, bulk puts (1,000 objects, then usually a large commit),
/// commits, merges (a third refused on a conflict, the rest taking the source's or the destination's side of each),
/// reverts, cherry-picks, resets, tags and garbage collections (no grace period, so everything unreferenced goes at
/// once, and a clock stepped an hour ahead first, so the data objects of earlier hours go too: <see cref="SteppingClock"/>)
/// on three branches until it is killed. No retention rules are set, and no branch moves
/// back, so every commit stays reachable and none may expire. Before each operation it
/// appends a "B" line saying what it starts (with what the checker needs to recognise a half-done one); after it is
/// acknowledged, a "D" line with the branch's view digest and head (and a "C" line with the commit's tree digest
/// for each commit made), fsynced; a typed refusal is an "F" line. It prints "ready" once the start state ("S" and "T"
/// lines) is journaled.
/// </summary>
public static class CrashMix
{
    /// <summary>Branches the mix works on; the test creates them.</summary>
    public static readonly string[] Branches = ["main", "dev", "exp"];

    /// <summary>
    /// The operation roll's range: put 45, delete 8, bulk put 3, commit 19, merge 10, revert 6, reset 4, tag 5,
    /// cherry-pick 4, garbage collection 3.
    /// </summary>
    private const int Rolls = 107;

    /// <summary>Objects per bulk put.</summary>
    public const int BulkCount = 1_000;

    /// <summary>The content of object <paramref name="i"/> of bulk <paramref name="seq"/>.</summary>
    public static byte[] BulkContent(int seed, long seq, int i) => Encoding.UTF8.GetBytes($"bulk {seed} {seq} {i}");

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>One entry's share of a view digest: the XOR of the shares of every (path, checksum) is the view's digest.</summary>
    public static UInt128 Share(string path, string checksum)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(path + "\0" + checksum), hash);
        return new UInt128(BitConverter.ToUInt64(hash), BitConverter.ToUInt64(hash[8..]));
    }

    /// <summary>Where a garbage collection in a child spills its marks: beside the repository, so a kill leaves its files where the test deletes them.</summary>
    public static string SpillFolder(string repositoryFolder) => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(repositoryFolder))!, "gc-spill");

    /// <summary>Where the chain's <see cref="SteppingClock"/> keeps its hours: beside the repository, like the spill folder.</summary>
    public static string ClockFile(string repositoryFolder) => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(repositoryFolder))!, "clock-hours");

    public static string Format(UInt128 digest) => digest.ToString("x32", CultureInfo.InvariantCulture);

    public static UInt128 Parse(string digest) => UInt128.Parse(digest, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    /// <summary>The digest of everything <paramref name="ref"/> shows, and every path with its checksum.</summary>
    public static async Task<(UInt128 Digest, Dictionary<string, string> Paths)> ViewAsync(Repository repo, string @ref)
    {
        var paths = new Dictionary<string, string>(StringComparer.Ordinal);
        UInt128 digest = 0;
        await foreach (var item in repo.ListObjectsAsync(@ref))
        {
            paths[item.Path] = item.Object!.Checksum;
            digest ^= Share(item.Path, item.Object.Checksum);
        }
        return (digest, paths);
    }

    public static async Task<int> RunAsync(string folder, int seed, string journalPath, Durability durability)
    {
        var clock = new SteppingClock(ClockFile(folder));
        await using var repo = await Repository.OpenAsync(Repository.LocalOptions(folder) with { Durability = durability, TimeProvider = clock });
        await using var journal = new FileStream(journalPath, FileMode.Append, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
        var random = new Random(seed);
        var views = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        var digests = new Dictionary<string, UInt128>(StringComparer.Ordinal);
        var heads = new Dictionary<string, string>(StringComparer.Ordinal);
        // Branches known to have nothing staged (after a commit, merge, revert, cherry-pick or reset, before any write).
        var clean = new HashSet<string>(StringComparer.Ordinal);

        void Write(string line, bool sync)
        {
            var bytes = Encoding.UTF8.GetBytes(line + "\n");
            journal.Write(bytes);
            journal.Flush(sync);
        }

        async Task RefreshAsync(string branch)
        {
            (digests[branch], views[branch]) = await ViewAsync(repo, branch);
            heads[branch] = (await repo.GetBranchAsync(branch)).Head;
        }

        // Merges, reverts and cherry-picks need a clean branch: what is staged is committed first, as an operation of
        // its own (so they are not nearly all refused); returns the sequence number for the operation after it.
        async Task<long> CommitStagedAsync(string branch, long seq)
        {
            if (clean.Contains(branch))
            {
                return seq;
            }
            Write($"B {seq} commit {branch}", sync: false);
            var commit = await repo.CommitAsync(branch, $"commit {seq}");
            heads[branch] = commit.Id;
            clean.Add(branch);
            Write($"C {commit.Id} {Format(digests[branch])}", sync: false);
            Write($"D {seq} {branch} {Format(digests[branch])} {heads[branch]}", sync: true);
            return seq + 1;
        }

        foreach (var branch in Branches)
        {
            await RefreshAsync(branch);
            Write($"S {branch} {Format(digests[branch])} {heads[branch]}", sync: false);
        }
        var tags = 0;
        await foreach (var tag in repo.ListTagsAsync())
        {
            Write($"T {tag.Name} {tag.CommitId}", sync: false);
            tags++;
        }
        Write("R", sync: true);
        Console.WriteLine("ready");

        for (long seq = 1; ; seq++)
        {
            var branch = Branches[random.Next(Branches.Length)];
            var view = views[branch];
            var roll = random.Next(Rolls);
            try
            {
                if (roll < 45)
                {
                    var path = $"p/{random.Next(60):D2}";
                    var content = new byte[random.Next(4096)];
                    random.NextBytes(content);
                    var sha = Sha256(content);
                    var old = view.GetValueOrDefault(path);
                    Write($"B {seq} put {branch} {path} {sha} {old ?? "-"}", sync: false);
                    await repo.PutObjectAsync(branch, path, new MemoryStream(content));
                    digests[branch] ^= (old is null ? 0 : Share(path, old)) ^ Share(path, sha);
                    view[path] = sha;
                    clean.Remove(branch);
                }
                else if (roll < 53)
                {
                    if (view.Count == 0)
                    {
                        continue;
                    }
                    var path = view.Keys.ElementAt(random.Next(view.Count));
                    Write($"B {seq} del {branch} {path} {view[path]}", sync: false);
                    await repo.DeleteObjectAsync(branch, path);
                    digests[branch] ^= Share(path, view[path]);
                    view.Remove(path);
                    clean.Remove(branch);
                }
                else if (roll < 56)
                {
                    var prefix = $"bulk/{seed}-{seq}/";
                    Write($"B {seq} bulk {branch} {prefix} {BulkCount}", sync: false);
                    await Parallel.ForEachAsync(Enumerable.Range(0, BulkCount), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
                        await repo.PutObjectAsync(branch, prefix + i.ToString("D4", CultureInfo.InvariantCulture), new MemoryStream(BulkContent(seed, seq, i)), cancellationToken: ct));
                    for (var i = 0; i < BulkCount; i++)
                    {
                        var path = prefix + i.ToString("D4", CultureInfo.InvariantCulture);
                        var sha = Sha256(BulkContent(seed, seq, i));
                        digests[branch] ^= Share(path, sha);
                        view[path] = sha;
                    }
                    clean.Remove(branch);
                    // A large commit right after, most of the time.
                    roll = random.Next(4) == 0 ? roll : 60;
                    Write($"D {seq} {branch} {Format(digests[branch])} {heads[branch]}", sync: true);
                    if (roll != 60)
                    {
                        continue;
                    }
                    seq++;
                }
                if (roll is >= 56 and < 75)
                {
                    Write($"B {seq} commit {branch}", sync: false);
                    var commit = await repo.CommitAsync(branch, $"commit {seq}");
                    heads[branch] = commit.Id;
                    clean.Add(branch);
                    Write($"C {commit.Id} {Format(digests[branch])}", sync: false);
                }
                else if (roll is >= 75 and < 85)
                {
                    var source = Branches.Where(b => b != branch).ElementAt(random.Next(Branches.Length - 1));
                    // Every branch writes the same paths, so nearly every merge conflicts: most take one side.
                    var strategy = (MergeStrategy)random.Next(3);
                    seq = await CommitStagedAsync(branch, seq);
                    Write($"B {seq} merge {source} {branch} {strategy}", sync: false);
                    var result = await repo.MergeAsync(source, branch, new MergeOptions { Strategy = strategy });
                    await RefreshAsync(branch);
                    clean.Add(branch);
                    if (result.Commit is { } merge)
                    {
                        Write($"C {merge.Id} {Format(digests[branch])}", sync: false);
                    }
                }
                else if (roll is >= 85 and < 91)
                {
                    seq = await CommitStagedAsync(branch, seq);
                    var log = new List<Commit>();
                    await foreach (var c in repo.LogAsync(branch, new LogOptions { Limit = 20 }))
                    {
                        log.Add(c);
                    }
                    var target = log[random.Next(log.Count)];
                    Write($"B {seq} revert {branch} {target.Id}", sync: false);
                    var revert = await repo.RevertAsync(branch, target.Id);
                    await RefreshAsync(branch);
                    clean.Add(branch);
                    Write($"C {revert.Id} {Format(digests[branch])}", sync: false);
                }
                else if (roll is >= 91 and < 95)
                {
                    Write($"B {seq} reset {branch}", sync: false);
                    await repo.ResetAsync(branch);
                    await RefreshAsync(branch);
                    clean.Add(branch);
                }
                else if (roll is >= 95 and < 100)
                {
                    var name = $"t{seed}-{tags++}";
                    Write($"B {seq} tag {name} {heads[branch]}", sync: false);
                    await repo.TagAsync(name, heads[branch]);
                    Write($"D {seq} tag {name} {heads[branch]}", sync: true);
                    continue;
                }
                else if (roll is >= 100 and < 104)
                {
                    // A commit of another branch that this one lacks and that has one parent: picking a commit the
                    // branch already has changes nothing, and a merge commit needs a parent number.
                    var source = Branches.Where(b => b != branch).ElementAt(random.Next(Branches.Length - 1));
                    var mine = new HashSet<string>(StringComparer.Ordinal);
                    await foreach (var c in repo.LogAsync(branch, new LogOptions { Limit = 200 }))
                    {
                        mine.Add(c.Id);
                    }
                    var log = new List<Commit>();
                    await foreach (var c in repo.LogAsync(source, new LogOptions { Limit = 10 }))
                    {
                        if (c.Parents.Count == 1 && !mine.Contains(c.Id))
                        {
                            log.Add(c);
                        }
                    }
                    if (log.Count == 0)
                    {
                        continue;
                    }
                    var target = log[random.Next(log.Count)];
                    seq = await CommitStagedAsync(branch, seq);
                    Write($"B {seq} cherry-pick {branch} {target.Id}", sync: false);
                    var pick = await repo.CherryPickAsync(branch, target.Id);
                    await RefreshAsync(branch);
                    clean.Add(branch);
                    Write($"C {pick.Id} {Format(digests[branch])}", sync: false);
                }
                else if (roll >= 104)
                {
                    // Marks spill to disk after 64 on every other run, so the on-disk mark set is killed too; its
                    // files go beside the repository, in the test's temporary folder, not the system's.
                    Write($"B {seq} gc", sync: false);
                    clock.Step();
                    var gc = new GcOptions { GracePeriod = TimeSpan.Zero, SpillFolder = SpillFolder(folder) };
                    var report = await repo.CollectGarbageAsync(random.Next(2) == 0 ? gc with { MaxMarksInMemory = 64 } : gc);
                    Write($"D {seq} gc {report.ObjectsDeleted} {report.RangesDeleted + report.MetaRangesDeleted} {report.CommitsExpired}", sync: true);
                    continue;
                }
                Write($"D {seq} {branch} {Format(digests[branch])} {heads[branch]}", sync: true);
            }
            catch (LakeFsException e) when (e is Errors.NoChangesException or Errors.DirtyBranchException or Errors.MergeConflictException
                or Errors.InvalidParentException or Errors.ConflictException)
            {
                Write($"F {seq} {e.GetType().Name}", sync: true);
            }
        }
    }
}
