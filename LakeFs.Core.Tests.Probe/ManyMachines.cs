using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using LakeFs.RefStore.PostgreSql;
using LakeFs.Storage.S3;

namespace LakeFs.Core.Tests.Probe;

/// <summary>
/// One "machine" of the many-machines test (<c>many-machines &lt;s3 endpoint&gt; &lt;bucket&gt; &lt;prefix&gt;
/// &lt;postgres&gt; &lt;schema&gt; &lt;seed&gt; &lt;seconds&gt; &lt;journal&gt;</c>): a process with caches of its own on a
/// repository whose objects are in an S3 bucket and whose refs are in PostgreSQL, shared with the other machines. For
/// that many seconds it puts new objects on <c>main</c> and <c>dev</c>, commits them and merges either into
/// <c>exp</c> (which only merges move). After each acknowledged operation it appends a line to the journal, fsynced:
/// <c>P &lt;branch&gt; &lt;path&gt; &lt;sha256&gt;</c> for a put, <c>C &lt;branch&gt; &lt;commit&gt;</c> for a commit or
/// a merge commit, <c>F &lt;operation&gt; &lt;exception&gt;</c> for a typed refusal (a merge racing another); last <c>E</c> with its timings.
/// </summary>
public static class ManyMachines
{
    /// <summary>Branches the machines share; the test creates dev and exp.</summary>
    public static readonly string[] Branches = ["main", "dev", "exp"];

    /// <summary>The content of the object at <paramref name="path"/> (every path is written once, by one machine).</summary>
    public static byte[] Content(string path)
    {
        var line = Encoding.UTF8.GetBytes(path + "\n");
        var content = new byte[1024];
        for (var i = 0; i < content.Length; i++)
        {
            content[i] = line[i % line.Length];
        }
        return content;
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>The repository's options: S3 objects under <paramref name="prefix"/>, refs in <paramref name="schema"/>.</summary>
    public static RepositoryOptions Options(string endpoint, string bucket, string prefix, string postgres, string schema)
    {
        var client = new AmazonS3Client(
            new BasicAWSCredentials("S3RVER", "S3RVER"),
            new AmazonS3Config { ServiceURL = endpoint, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        return new RepositoryOptions
        {
            ObjectStore = new S3ObjectStore(client, bucket, prefix, new S3ObjectStoreOptions { UseChunkEncoding = false, PartSize = S3ObjectStoreOptions.MinPartSize }),
            RefStore = new PostgreSqlRefStoreOptions(postgres, schema),
        };
    }

    public static async Task<int> RunAsync(RepositoryOptions options, int seed, double seconds, string journalPath)
    {
        var opening = Stopwatch.StartNew();
        await using var repo = await Repository.OpenAsync(options);
        var opened = opening.Elapsed.TotalSeconds;
        await using var journal = new FileStream(journalPath, FileMode.Append, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
        void Write(string line)
        {
            journal.Write(Encoding.UTF8.GetBytes(line + "\n"));
            journal.Flush(flushToDisk: true);
        }

        Console.WriteLine("ready");
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();
        for (var seq = 0; clock.Elapsed.TotalSeconds < seconds; seq++)
        {
            var branch = Branches[random.Next(2)];
            var roll = random.Next(100);
            try
            {
                if (roll < 70)
                {
                    var path = string.Create(CultureInfo.InvariantCulture, $"m/{seed}/{seq:D6}");
                    var content = Content(path);
                    await repo.PutObjectAsync(branch, path, new MemoryStream(content));
                    Write($"P {branch} {path} {Sha256(content)}");
                }
                else if (roll < 85)
                {
                    var commit = await repo.CommitAsync(branch, $"machine {seed} commit {seq}");
                    Write($"C {branch} {commit.Id}");
                }
                else
                {
                    var result = await repo.MergeAsync(branch, "exp");
                    if (result.Commit is { } merge)
                    {
                        Write($"C exp {merge.Id}");
                    }
                }
            }
            catch (LakeFsException e) when (e is Errors.NoChangesException or Errors.ConflictException or Errors.DirtyBranchException)
            {
                Write($"F {(roll < 85 ? "commit" : "merge")} {e.GetType().Name}");
            }
        }
        Write(string.Create(CultureInfo.InvariantCulture, $"E opened-in {opened:F1} s, ran {clock.Elapsed.TotalSeconds:F1} s"));
        return 0;
    }
}
