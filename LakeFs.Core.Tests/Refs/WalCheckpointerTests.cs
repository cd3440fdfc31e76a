using System.Globalization;
using LakeFs.Core.Model;
using LakeFs.Core.Refs;
using LakeFs.Core.Tests.TestSupport;

namespace LakeFs.Core.Tests.Refs;

/// <summary>The ref database's log is checkpointed off the writers' path and still stays bounded.</summary>
public sealed class WalCheckpointerTests
{
    private const int PageSize = 4096;

    private TempDirectory _temp = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _temp = new TempDirectory();
        _path = _temp.Combine("refs.db");
    }

    [TearDown]
    public void TearDown() => _temp.Dispose();

    private static void CreateTable(SqliteDatabase database)
    {
        using var s = database.Open();
        s.Execute("CREATE TABLE rows(key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID");
    }

    /// <summary>Writes one row per transaction, keys spread over the table the way staged puts spread.</summary>
    private static void WriteRows(SqliteDatabase database, int from, int count)
    {
        var value = new byte[100];
        using var s = database.Open();
        for (var i = from; i < from + count; i++)
        {
            var key = string.Create(CultureInfo.InvariantCulture, $"t{i % 8}/p{i / 8 % 500:D3}/{i:D8}");
            s.Write(tx => tx.Execute("INSERT INTO rows(key, value) VALUES ($1, $2)", key, value));
        }
    }

    private static void WaitForIdle(WalCheckpointer checkpointer)
    {
        Assert.That(SpinWait.SpinUntil(() => !checkpointer.Running, TimeSpan.FromSeconds(60)), Is.True, "a checkpoint cycle never finished");
    }

    [Test]
    public void Connections_leave_checkpoints_to_the_checkpointer()
    {
        using var database = new SqliteDatabase(_path, Durability.ProcessCrash);
        using var s = database.Open();
        Assert.That(s.Scalar("PRAGMA wal_autocheckpoint"), Is.EqualTo(0L));
        Assert.That(s.Scalar("PRAGMA journal_mode"), Is.EqualTo("wal"));
    }

    [Test]
    public void The_log_restarts_under_steady_writes()
    {
        // 24,000 one-row transactions write about 40,000 pages (10 cycles' worth) to the log. SQLite restarts a log
        // only when a writer starts while every frame is copied, so without the cycle's gated step the log would
        // hold them all. A writer this fast outruns the copying for a while, so the bound allows a few cycles.
        const int Transactions = 24_000;
        using var database = new SqliteDatabase(_path, Durability.ProcessCrash);
        CreateTable(database);
        WriteRows(database, 0, Transactions);
        WaitForIdle(database.Checkpointer);

        var logBytes = new FileInfo(_path + "-wal").Length;
        Assert.That(database.Checkpointer.Cycles, Is.GreaterThanOrEqualTo(2));
        Assert.That(logBytes, Is.LessThan(5L * WalLimits.Default.CycleFrames * PageSize),
            $"the log grew to {logBytes / PageSize} pages over {database.Checkpointer.Cycles} cycles");

        using var s = database.Open();
        Assert.That(s.Scalar("SELECT count(*) FROM rows"), Is.EqualTo((long)Transactions));
    }

    [Test]
    public void A_cycle_after_writers_pause_copies_the_whole_log_without_holding_off_writers()
    {
        // A burst (one transaction of about 6,000 pages, as a large commit's clean-up writes) and then no writer:
        // the cycle copies the whole log without the gate, so it finishes while the test holds the gate, and a
        // writer arriving after the burst would not wait behind the cycle's syncs.
        using var database = new SqliteDatabase(_path, Durability.ProcessCrash);
        CreateTable(database);
        var value = new byte[1_000];
        using (var s = database.Open())
        {
            s.Write(tx =>
            {
                for (var i = 0; i < 20_000; i++)
                {
                    tx.Execute("INSERT INTO rows(key, value) VALUES ($1, $2)", i.ToString("D8", CultureInfo.InvariantCulture), value);
                }
                return 0;
            });
        }

        bool finished;
        lock (database.WriteGate)
        {
            finished = SpinWait.SpinUntil(() => database.Checkpointer.Cycles == 1, TimeSpan.FromSeconds(30));
        }

        Assert.That(finished, Is.True, "the cycle waited for the write gate although no writer was writing");
        WriteRows(database, 20_000, 1);
        Assert.That(LogFrames(database), Is.LessThan(100), "the next writer restarted the wholly copied log");
    }

    [Test]
    public void Rows_written_during_cycles_are_all_kept()
    {
        using (var database = new SqliteDatabase(_path, Durability.PowerLoss))
        {
            CreateTable(database);
            var writers = Enumerable.Range(0, 3).Select(w => Task.Run(() => WriteRows(database, w * 5_000, 5_000))).ToArray();
            Task.WaitAll(writers);
            Assert.That(database.Checkpointer.Cycles + (database.Checkpointer.Running ? 1 : 0), Is.GreaterThanOrEqualTo(1));
        }

        Assert.That(File.Exists(_path + "-wal"), Is.False, "closing the database leaves no log behind: every connection is closed");
        using var reopened = new SqliteDatabase(_path, Durability.ProcessCrash);
        using var s = reopened.Open();
        Assert.That(s.Scalar("SELECT count(*) FROM rows"), Is.EqualTo(15_000L));
        Assert.That(s.Scalar("PRAGMA integrity_check"), Is.EqualTo("ok"));
    }

    [Test]
    public void Two_databases_on_one_file_write_and_checkpoint_side_by_side()
    {
        // Two processes sharing a ref store each run a checkpointer; the write gate of one does not hold off the
        // other's writers, so SQLite's own locks keep the log consistent and a restart waits for a pause.
        using (var first = new SqliteDatabase(_path, Durability.ProcessCrash))
        using (var second = new SqliteDatabase(_path, Durability.ProcessCrash))
        {
            CreateTable(first);
            Task.WaitAll(
                Task.Run(() => WriteRows(first, 0, 6_000)),
                Task.Run(() => WriteRows(second, 6_000, 6_000)));
            WaitForIdle(first.Checkpointer);
            WaitForIdle(second.Checkpointer);
            Assert.That(first.Checkpointer.Cycles + second.Checkpointer.Cycles, Is.GreaterThanOrEqualTo(2));
        }

        using var reopened = new SqliteDatabase(_path, Durability.ProcessCrash);
        using var s = reopened.Open();
        Assert.That(s.Scalar("SELECT count(*) FROM rows"), Is.EqualTo(12_000L));
        Assert.That(s.Scalar("PRAGMA integrity_check"), Is.EqualTo("ok"));
    }

    [Test]
    public void A_reader_holding_a_snapshot_delays_the_restart_but_loses_nothing()
    {
        using var database = new SqliteDatabase(_path, Durability.ProcessCrash);
        CreateTable(database);
        WriteRows(database, 0, 100);
        using (var reader = database.Open())
        {
            reader.Begin(write: false);
            Assert.That(reader.Scalar("SELECT count(*) FROM rows"), Is.EqualTo(100L));
            WriteRows(database, 100, 6_000);
            WaitForIdle(database.Checkpointer);
            // Frames after the snapshot can neither be copied nor dropped while it is open, and it still sees the
            // rows as they were when it began.
            Assert.That(LogFrames(database), Is.GreaterThan(WalLimits.Default.CycleFrames));
            Assert.That(reader.Scalar("SELECT count(*) FROM rows"), Is.EqualTo(100L));
            reader.Commit();
        }

        WriteRows(database, 6_100, 6_000);
        WaitForIdle(database.Checkpointer);
        // A log that a cycle copied wholly starts again with the next write.
        WriteRows(database, 12_100, 1);
        Assert.That(LogFrames(database), Is.LessThan(2 * WalLimits.Default.CycleFrames), "the log restarted once the snapshot ended");
        using var s = database.Open();
        Assert.That(s.Scalar("SELECT count(*) FROM rows"), Is.EqualTo(12_101L));
    }

    [Test]
    public async Task Three_processes_writing_keep_the_log_under_the_ceiling()
    {
        // Each process writes 3,000 one-row transactions (about 8,000 pages, 32 MiB, all three together) with cycles
        // of 256 pages and a 4 MiB ceiling, and reports the largest log it saw after a commit. A checkpoint of one
        // process that holds off only its own writers never restarts a log the others keep writing to: the log then
        // holds nearly everything written.
        const long Ceiling = 4L << 20;
        var peaks = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ =>
            ProbeProcess.RunAsync("wal-writer", _path, "3000", "256", Ceiling.ToString(CultureInfo.InvariantCulture))));

        var largest = peaks.Max(p => long.Parse(p.Trim(), CultureInfo.InvariantCulture));
        // Each writer cuts the log before it returns from a commit that took it past the ceiling (seen: peaks within two
        // pages of it); the bound leaves room for a cut that timed out on a loaded machine and was tried a cycle later.
        Assert.That(largest, Is.LessThan(2 * Ceiling), $"peaks {string.Join(", ", peaks.Select(p => p.Trim()))} bytes");
        using var database = new SqliteDatabase(_path, Durability.ProcessCrash);
        using var s = database.Open();
        Assert.That(s.Scalar("SELECT count(*) FROM rows"), Is.EqualTo(9_000L));
        Assert.That(s.Scalar("PRAGMA integrity_check"), Is.EqualTo("ok"));
    }

    [Test]
    public void A_writer_past_the_ceiling_cuts_the_log_itself()
    {
        // Cycles far apart (they never start here), a 1 MiB ceiling: the writers alone keep the log near it.
        const long Ceiling = 1L << 20;
        using var database = new SqliteDatabase(_path, Durability.ProcessCrash, new WalLimits(1_000_000, Ceiling));
        CreateTable(database);
        long peak = 0;
        var value = new byte[100];
        using (var s = database.Open())
        {
            for (var i = 0; i < 3_000; i++)
            {
                var key = i.ToString("D8", CultureInfo.InvariantCulture);
                s.Write(tx => tx.Execute("INSERT INTO rows(key, value) VALUES ($1, $2)", key, value));
                peak = Math.Max(peak, new FileInfo(_path + "-wal").Length);
            }
        }

        Assert.That(database.Checkpointer.Cycles, Is.Zero);
        Assert.That(database.Checkpointer.CeilingCheckpoints, Is.GreaterThanOrEqualTo(1));
        Assert.That(peak, Is.LessThanOrEqualTo(Ceiling), "a commit that took the log past the ceiling cut it before returning");
    }

    /// <summary>Frames in the log now, as a checkpoint of the test's own reports them.</summary>
    private static long LogFrames(SqliteDatabase database)
    {
        using var s = database.Open();
        using var reader = s.Query("PRAGMA wal_checkpoint(PASSIVE)");
        Assert.That(reader.Read(), Is.True);
        return reader.GetInt64(1);
    }
}
