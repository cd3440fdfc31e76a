using Microsoft.Data.Sqlite;

namespace LakeFs.Core.Refs;

/// <summary>
/// Keeps the ref database's write-ahead log short without making a writer wait for the disk. SQLite's own
/// automatic checkpoint runs inside the commit that takes the log past 1,000 pages: that commit copies the log into
/// the database file and syncs both files, and every writer queued behind it waits (an strace of 4-writer puts on
/// ext4: 129 syncs per 20,000 puts, 6.5 ms each). The connections of <see cref="SqliteDatabase"/> turn it off; once
/// writers have added <see cref="CycleFrames"/> pages to the log, a cycle runs on the thread pool instead:
/// <list type="number">
/// <item>PASSIVE checkpoints copy the log while writers go on, repeated while each copies at most half of what the
/// one before it copied (writers keep adding frames meanwhile);</item>
/// <item>unless one of them copied the whole log with no transaction of this process committing meanwhile (writers
/// paused), one more PASSIVE checkpoint under the write gate copies what is left while no writer of this process is
/// inside a transaction, so the log is wholly copied and the next writer starts it again from its beginning.</item>
/// </list>
/// Without the gated step a log under steady writes is never wholly copied at any one instant, SQLite never restarts
/// it, and it grows without bound (seen: 54, 96, 148, 195 frames over 20 commits; 41,000 pages after 24,000
/// one-row transactions). A log copied wholly while writers paused needs no gate: the next writer restarts it all
/// the same. Skipping the gate then keeps a burst's clean-up (a large commit deletes its staged rows) from holding
/// the next writer behind the gated step's two syncs: a branch created right after a 100,000-object commit measured
/// 22 ms when it waited so. The gate holds off only this process's writers: a log that another process keeps
/// writing to restarts once that process pauses.
/// </summary>
internal sealed class WalCheckpointer(Func<SqliteConnection> connect, Lock writeGate) : IDisposable
{
    /// <summary>Pages written to the log between cycles: 16 MiB of 4 KiB pages, about 2,200 single-object puts.</summary>
    public const int CycleFrames = 4096;

    private const int MaxUngatedCheckpoints = 4;

    private SqliteConnection? _connection;
    private long _frames;
    private long _commits;
    private int _running;
    private long _cycles;

    /// <summary>Cycles completed (for tests).</summary>
    public long Cycles => Interlocked.Read(ref _cycles);

    /// <summary>Whether a cycle is running (or the checkpointer is disposed).</summary>
    public bool Running => Volatile.Read(ref _running) != 0;

    /// <summary>Counts the pages a committed write transaction added to the log and starts a cycle when they add up.</summary>
    public void Committed(int frames)
    {
        Interlocked.Increment(ref _commits);
        if (Interlocked.Add(ref _frames, frames) < CycleFrames || Interlocked.CompareExchange(ref _running, 1, 0) != 0)
        {
            return;
        }
        Interlocked.Exchange(ref _frames, 0);
        ThreadPool.UnsafeQueueUserWorkItem(static self => self.Cycle(), this, preferLocal: false);
    }

    private void Cycle()
    {
        try
        {
            var connection = _connection ??= connect();
            long copiedBefore = 0, lastStep = long.MaxValue;
            var caughtUp = false;
            for (var i = 0; i < MaxUngatedCheckpoints && !caughtUp; i++)
            {
                var commitsBefore = Interlocked.Read(ref _commits);
                var (logged, copied) = Checkpoint(connection);
                caughtUp = copied == logged && Interlocked.Read(ref _commits) == commitsBefore;
                var step = copied - copiedBefore;
                if (step <= 0 || step > lastStep / 2)
                {
                    break;
                }
                (copiedBefore, lastStep) = (copied, step);
            }
            if (!caughtUp)
            {
                lock (writeGate)
                {
                    Checkpoint(connection);
                }
            }
            Interlocked.Increment(ref _cycles);
        }
        catch (Exception e) when (e is SqliteException or InvalidOperationException)
        {
            // A checkpoint that fails (a full disk, a file it cannot open) leaves the log as it was, which is always
            // consistent, and the next cycle tries again; a pool thread must not take the process down over it.
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    /// <summary>One PASSIVE checkpoint, which never waits for readers or writers; returns the frames in the log and those now copied.</summary>
    private static (long Logged, long Copied) Checkpoint(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(1), reader.GetInt64(2)) : (0, 0);
    }

    /// <summary>Waits for a running cycle, then closes its connection; no cycle starts afterwards.</summary>
    public void Dispose()
    {
        SpinWait.SpinUntil(() => Interlocked.CompareExchange(ref _running, 1, 0) == 0);
        _connection?.Dispose();
        _connection = null;
    }
}
