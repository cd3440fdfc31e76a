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
/// commits, merges, reverts, resets and tags on three branches until it is killed. Before each operation it
/// appends a "B" line saying what it starts (with what the checker needs to recognise a half-done one); after it is
/// acknowledged, a "D" line with the branch's view digest and head (and a "C" line with the commit's tree digest
/// for each commit made), fsynced; a typed refusal is an "F" line. It prints "ready" once the start state ("S" and "T"
/// lines) is journaled.
/// </summary>
public static class CrashMix
{
    /// <summary>Branches the mix works on; the test creates them.</summary>
    public static readonly string[] Branches = ["main", "dev", "exp"];

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
        await using var repo = await Repository.OpenAsync(Repository.LocalOptions(folder) with { Durability = durability });
        await using var journal = new FileStream(journalPath, FileMode.Append, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
        var random = new Random(seed);
        var views = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        var digests = new Dictionary<string, UInt128>(StringComparer.Ordinal);
        var heads = new Dictionary<string, string>(StringComparer.Ordinal);

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
            var roll = random.Next(100);
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
                    Write($"C {commit.Id} {Format(digests[branch])}", sync: false);
                }
                else if (roll is >= 75 and < 85)
                {
                    var source = Branches.Where(b => b != branch).ElementAt(random.Next(Branches.Length - 1));
                    Write($"B {seq} merge {source} {branch}", sync: false);
                    var result = await repo.MergeAsync(source, branch);
                    await RefreshAsync(branch);
                    if (result.Commit is { } merge)
                    {
                        Write($"C {merge.Id} {Format(digests[branch])}", sync: false);
                    }
                }
                else if (roll is >= 85 and < 91)
                {
                    var log = new List<Commit>();
                    await foreach (var c in repo.LogAsync(branch, new LogOptions { Limit = 20 }))
                    {
                        log.Add(c);
                    }
                    var target = log[random.Next(log.Count)];
                    Write($"B {seq} revert {branch} {target.Id}", sync: false);
                    var revert = await repo.RevertAsync(branch, target.Id);
                    await RefreshAsync(branch);
                    Write($"C {revert.Id} {Format(digests[branch])}", sync: false);
                }
                else if (roll is >= 91 and < 95)
                {
                    Write($"B {seq} reset {branch}", sync: false);
                    await repo.ResetAsync(branch);
                    await RefreshAsync(branch);
                }
                else if (roll >= 95)
                {
                    var name = $"t{seed}-{tags++}";
                    Write($"B {seq} tag {name} {heads[branch]}", sync: false);
                    await repo.TagAsync(name, heads[branch]);
                    Write($"D {seq} tag {name} {heads[branch]}", sync: true);
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
