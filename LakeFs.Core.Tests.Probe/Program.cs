// Second-process probe for the reopen tests: opens the repository in <folder> and runs commands in order,
// separated by "--" (one process start per batch keeps the tests fast). Output goes to stdout.
//   create                          (alone) create the repository
//   put <branch> <path> <text>      stage an object
//   commit <branch> <message>       commit, print the commit id
//   branch <name> <from>            create a branch
//   tag <name> <ref>                create a tag
//   read <ref> <path>               print the object's text
//   show                            print branches (with listings) and tags
//   protect <pattern>               add a branch-protection rule
//   unprotect <pattern>             remove a branch-protection rule
//   try <command> [arguments]       run the command; print "ok", or "error <exception type> <rule>" for a LakeFsException
// Or, for the crash trials (runs until killed, see CrashMix.cs):
//   crash-mix <folder> <seed> <journal file> <ProcessCrash|PowerLoss>
// Or, for the many-machines test (runs for that many seconds, see ManyMachines.cs):
//   many-machines <s3 endpoint> <bucket> <prefix> <postgres connection string> <schema> <seed> <seconds> <journal file>
// Or, for the garbage-collection crash trials (runs until killed, see RepositoryGcCrashTests):
//   gc-loop <folder>                collect garbage over and over with no grace period
// Or, for the ref database's log tests (no repository, a bare SQLite file and the library's write path):
//   wal-writer <db file> <transactions> <cycle pages> <ceiling bytes>
//                                   write one row per transaction; print the largest size of <db file>-wal seen
//                                   right after a commit
//   soak <branch> <seconds> <writers>  put small objects for that long from that many concurrent loops; prints
//                                   "puts <n> seconds <s> peak-log <bytes> final-log <bytes>" (refs.db-wal sampled
//                                   every 20 ms, final = its size when the loops stop, before this process closes)
using System.Diagnostics;
using System.Globalization;
using System.Text;
using LakeFs.Core;
using LakeFs.Core.Model;
using LakeFs.Core.Refs;

if (args.Length == 5 && args[0] == "wal-writer")
{
    Console.WriteLine(WalWriter(args[1], int.Parse(args[2], CultureInfo.InvariantCulture),
        int.Parse(args[3], CultureInfo.InvariantCulture), long.Parse(args[4], CultureInfo.InvariantCulture)));
    return 0;
}

if (args.Length == 5 && args[0] == "crash-mix")
{
    return await LakeFs.Core.Tests.Probe.CrashMix.RunAsync(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), args[3], Enum.Parse<Durability>(args[4]));
}

if (args.Length == 9 && args[0] == "many-machines")
{
    return await LakeFs.Core.Tests.Probe.ManyMachines.RunAsync(
        LakeFs.Core.Tests.Probe.ManyMachines.Options(args[1], args[2], args[3], args[4], args[5]),
        int.Parse(args[6], CultureInfo.InvariantCulture), double.Parse(args[7], CultureInfo.InvariantCulture), args[8]);
}

if (args.Length == 2 && args[0] == "gc-loop")
{
    // Collects garbage over and over with no grace period and marks spilled after 64, until killed (RepositoryGcCrashTests).
    await using var collected = await Repository.OpenAsync(args[1]);
    Console.WriteLine("ready");
    while (true)
    {
        await collected.CollectGarbageAsync(new GcOptions { GracePeriod = TimeSpan.Zero, MaxMarksInMemory = 64, SpillFolder = LakeFs.Core.Tests.Probe.CrashMix.SpillFolder(args[1]) });
    }
}

if (args.Length < 2)
{
    await Console.Error.WriteLineAsync("usage: probe <folder> <command> [arguments] [-- <command> [arguments]]...");
    return 2;
}

if (args[1] == "create")
{
    await (await Repository.CreateAsync(args[0])).DisposeAsync();
    return 0;
}

await using var repo = await Repository.OpenAsync(args[0]);
var commands = new List<List<string>> { new() };
foreach (var arg in args.Skip(1))
{
    if (arg == "--")
    {
        commands.Add([]);
    }
    else
    {
        commands[^1].Add(arg);
    }
}

foreach (var command in commands)
{
    if (command[0] == "try")
    {
        try
        {
            await RunAsync(command[1..]);
            Console.WriteLine("ok");
        }
        catch (LakeFs.LakeFsException e)
        {
            Console.WriteLine($"error {e.GetType().Name} {(e as LakeFs.Core.Errors.ProtectedBranchException)?.Rule}".TrimEnd());
        }
        continue;
    }
    await RunAsync(command);
}
return 0;

async Task RunAsync(List<string> command)
{
    switch (command[0])
    {
        case "protect":
            await repo.ProtectBranchesAsync(command[1]);
            break;
        case "unprotect":
            await repo.UnprotectBranchesAsync(command[1]);
            break;
        case "put":
            using (var content = new MemoryStream(Encoding.UTF8.GetBytes(command[3])))
            {
                await repo.PutObjectAsync(command[1], command[2], content);
            }
            break;
        case "commit":
            Console.WriteLine((await repo.CommitAsync(command[1], command[2])).Id);
            break;
        case "branch":
            await repo.BranchAsync(command[1], command[2]);
            break;
        case "tag":
            await repo.TagAsync(command[1], command[2]);
            break;
        case "read":
            var stream = await repo.OpenReadAsync(command[1], command[2]);
            await using (stream)
            {
                using var reader = new StreamReader(stream, Encoding.UTF8);
                Console.WriteLine(await reader.ReadToEndAsync());
            }
            break;
        case "soak":
            await SoakAsync(repo, args[0], command[1], double.Parse(command[2], CultureInfo.InvariantCulture), int.Parse(command[3], CultureInfo.InvariantCulture));
            break;
        case "show":
            await foreach (var branch in repo.ListBranchesAsync())
            {
                Console.WriteLine($"branch {branch.Name} {branch.Head}");
                await foreach (var item in repo.ListObjectsAsync(branch.Name))
                {
                    Console.WriteLine($"  {item.Path} {item.Object!.Checksum}");
                }
            }
            await foreach (var tag in repo.ListTagsAsync())
            {
                Console.WriteLine($"tag {tag.Name} {tag.CommitId}");
            }
            break;
        default:
            throw new ArgumentException($"unknown command '{command[0]}'");
    }
}

static async Task SoakAsync(Repository repo, string folder, string branch, double seconds, int writers)
{
    var log = Path.Combine(folder, Repository.LocalRefStoreFileName + "-wal");
    long LogBytes() => File.Exists(log) ? new FileInfo(log).Length : 0;
    var clock = Stopwatch.StartNew();
    var until = TimeSpan.FromSeconds(seconds);
    var content = new byte[100];
    var prefix = $"soak/{Environment.ProcessId}";
    long puts = 0;
    long peak = 0;
    var loops = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
    {
        for (var i = 0; clock.Elapsed < until; i++)
        {
            using var stream = new MemoryStream(content);
            await repo.PutObjectAsync(branch, $"{prefix}/{w}/{i:D8}", stream);
            Interlocked.Increment(ref puts);
        }
    })).ToList();
    var all = Task.WhenAll(loops);
    while (!all.IsCompleted)
    {
        peak = Math.Max(peak, LogBytes());
        await Task.WhenAny(all, Task.Delay(20));
    }
    await all;
    var elapsed = clock.Elapsed.TotalSeconds;
    var final = LogBytes();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"puts {puts} seconds {elapsed:F1} peak-log {Math.Max(peak, final)} final-log {final}"));
}

static long WalWriter(string path, int transactions, int cycleFrames, long ceilingBytes)
{
    using var database = new SqliteDatabase(path, Durability.ProcessCrash, new WalLimits(cycleFrames, ceilingBytes));
    using var s = database.Open();
    s.Write(tx => tx.Execute("CREATE TABLE IF NOT EXISTS rows(key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID"));
    var value = new byte[100];
    long peak = 0;
    for (var i = 0; i < transactions; i++)
    {
        var key = string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId}/{i % 8}/{i:D8}");
        s.Write(tx => tx.Execute("INSERT INTO rows(key, value) VALUES ($1, $2)", key, value));
        peak = Math.Max(peak, new FileInfo(path + "-wal").Length);
    }
    Console.Error.WriteLine($"cycles {database.Checkpointer.Cycles} ceiling {database.Checkpointer.CeilingCheckpoints} misses {database.Checkpointer.CeilingMisses}");
    return peak;
}
