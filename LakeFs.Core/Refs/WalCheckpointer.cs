using Microsoft.Data.Sqlite;

namespace LakeFs.Core.Refs;

/// <summary>
/// Keeps the ref database's write-ahead log short without making a writer wait for the disk, across every process
/// that writes to the file. SQLite's own automatic checkpoint runs inside the commit that takes the log past 1,000
/// pages: that commit copies the log into the database file and syncs both files, and every writer queued behind it
/// waits (an strace of 4-writer puts on ext4: 129 syncs per 20,000 puts, 6.5 ms each). The connections of
/// <see cref="SqliteDatabase"/> turn it off; once this process's writers have added
/// <see cref="WalLimits.CycleFrames"/> pages to the log, a cycle runs on the thread pool instead:
/// <list type="number">
/// <item>PASSIVE checkpoints copy the log while writers go on, repeated while each copies at most half of what the
/// one before it copied (writers keep adding frames meanwhile);</item>
/// <item>unless one of them copied the whole log with no transaction of this process committing meanwhile (writers
/// paused), one more checkpoint under the write gate copies what is left while no writer of this process is inside a
/// transaction, so the log is wholly copied and the next writer starts it again from its beginning. When the log
/// holds more than two cycles' worth, other processes kept writing through earlier cycles: that checkpoint is then a
/// RESTART, which takes SQLite's write lock (holding off the writers of every process), copies what is left and
/// waits up to <see cref="RestartWaitMilliseconds"/> for readers of older snapshots to finish (and a log that long
/// gets a RESTART even when this process's writers paused).</item>
/// </list>
/// Without the last step a log under steady writes is never wholly copied at any one instant, SQLite never restarts
/// it, and it grows without bound (seen: 41,000 pages after 24,000 one-row transactions in one process; three
/// processes putting for 60 s left a 679 MB log when that step held off only this process's writers). RESTART is
/// kept for long logs because it makes every process's writers wait: taken at every cycle, it halved the puts of
/// three processes. A log copied wholly while writers paused needs no such step: the next writer restarts it all the same.
/// Skipping it then keeps a burst's clean-up (a large commit deletes its staged rows) from holding the next writer
/// behind the step's two syncs: a branch created right after a 100,000-object commit measured 22 ms when it waited so.
/// <para>
/// Cycles bound the log in the common case; a ceiling bounds it always. After each commit the writer looks at the
/// log file's size, and once it passes <see cref="WalLimits.CeilingBytes"/> the writer itself runs a TRUNCATE
/// checkpoint (the RESTART above, then the file cut to nothing) before it returns. Only a reader holding a snapshot
/// (a listing being enumerated) can keep a checkpoint from restarting the log; the writer then tries again once the
/// log has grown by another cycle, rather than at every commit.
/// </para>
/// </summary>
internal sealed class WalCheckpointer : IDisposable
{
    /// <summary>How long a RESTART or TRUNCATE checkpoint waits for SQLite's write lock and for readers of older snapshots.</summary>
    public const int RestartWaitMilliseconds = 200;

    private const int MaxUngatedCheckpoints = 4;
    private const int PageBytes = 4096;

    private readonly Func<SqliteConnection> _connect;
    private readonly Lock _writeGate;
    private readonly string _logPath;
    private readonly WalLimits _limits;
    private readonly Lock _connectionGate = new();
    private SqliteConnection? _connection;
    private long _frames;
    private long _commits;
    private int _running;
    private long _cycles;
    private long _ceilingCheckpoints;
    private long _ceilingMisses;
    private long _checkAbove;
    private bool _disposed;

    public WalCheckpointer(Func<SqliteConnection> connect, Lock writeGate, string databasePath, WalLimits limits)
    {
        _connect = connect;
        _writeGate = writeGate;
        _logPath = databasePath + "-wal";
        _limits = limits;
        _checkAbove = limits.CeilingBytes;
    }

    /// <summary>Cycles completed (for tests).</summary>
    public long Cycles => Interlocked.Read(ref _cycles);

    /// <summary>Checkpoints a writer ran because the log passed the ceiling (for tests).</summary>
    public long CeilingCheckpoints => Interlocked.Read(ref _ceilingCheckpoints);

    /// <summary>Ceiling checkpoints that left the log past the ceiling (a reader held an old snapshot; for tests).</summary>
    public long CeilingMisses => Interlocked.Read(ref _ceilingMisses);

    /// <summary>Whether a cycle is running (or the checkpointer is disposed).</summary>
    public bool Running => Volatile.Read(ref _running) != 0;

    /// <summary>
    /// Counts the pages a committed write transaction added to the log and starts a cycle when they add up; checkpoints
    /// on the caller's thread when the log file has passed the ceiling.
    /// </summary>
    public void Committed(int frames)
    {
        if (frames == 0)
        {
            return;
        }
        Interlocked.Increment(ref _commits);
        if (LogBytes() > Volatile.Read(ref _checkAbove))
        {
            EnforceCeiling();
        }
        if (Interlocked.Add(ref _frames, frames) < _limits.CycleFrames || Interlocked.CompareExchange(ref _running, 1, 0) != 0)
        {
            return;
        }
        Interlocked.Exchange(ref _frames, 0);
        ThreadPool.UnsafeQueueUserWorkItem(static self => self.Cycle(), this, preferLocal: false);
    }

    private long LogBytes()
    {
        try
        {
            return new FileInfo(_logPath).Length;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private void EnforceCeiling()
    {
        try
        {
            lock (_connectionGate)
            {
                // A cycle that ran meanwhile, or a writer of this process before this one, may have cut the log already.
                if (_disposed || LogBytes() <= Volatile.Read(ref _checkAbove))
                {
                    return;
                }
                lock (_writeGate)
                {
                    Checkpoint(Connection(), "TRUNCATE");
                }
                Interlocked.Increment(ref _ceilingCheckpoints);
                var after = LogBytes();
                if (after > _limits.CeilingBytes)
                {
                    Interlocked.Increment(ref _ceilingMisses);
                }
                // Cut: back to the ceiling. Not cut (a reader holds an old snapshot): try again a cycle's worth later.
                Volatile.Write(ref _checkAbove, after <= _limits.CeilingBytes ? _limits.CeilingBytes : after + (long)_limits.CycleFrames * PageBytes);
            }
        }
        catch (Exception e) when (e is SqliteException or LakeFsException or InvalidOperationException)
        {
            // The writer's own transaction is committed; a checkpoint that fails (a full disk) leaves the log as it
            // was, always consistent, and the next commit past the ceiling tries again.
        }
    }

    private void Cycle()
    {
        try
        {
            lock (_connectionGate)
            {
                if (_disposed)
                {
                    return;
                }
                var connection = Connection();
                long copiedBefore = 0, lastStep = long.MaxValue, logged = 0;
                var caughtUp = false;
                for (var i = 0; i < MaxUngatedCheckpoints && !caughtUp; i++)
                {
                    var commitsBefore = Interlocked.Read(ref _commits);
                    (logged, var copied, _) = Checkpoint(connection, "PASSIVE");
                    caughtUp = copied == logged && Interlocked.Read(ref _commits) == commitsBefore;
                    var step = copied - copiedBefore;
                    if (step <= 0 || step > lastStep / 2)
                    {
                        break;
                    }
                    (copiedBefore, lastStep) = (copied, step);
                }
                // A log longer than two cycles' worth means other processes kept writing through earlier cycles:
                // RESTART then holds off their writers too. Otherwise the write gate suffices, as for one process.
                var restart = logged > 2L * _limits.CycleFrames;
                if (!caughtUp)
                {
                    lock (_writeGate)
                    {
                        Checkpoint(connection, restart ? "RESTART" : "PASSIVE");
                    }
                }
                else if (restart)
                {
                    // Nothing of this process's is left to copy; another process may have written since.
                    Checkpoint(connection, "RESTART");
                }
            }
            Interlocked.Increment(ref _cycles);
        }
        catch (Exception e) when (e is SqliteException or LakeFsException or InvalidOperationException)
        {
            // A checkpoint that fails (a full disk, a file it cannot open) leaves the log as it was, which is always
            // consistent, and the next cycle tries again; a pool thread must not take the process down over it.
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    /// <summary>The checkpoint connection, opened on first use; waits at most <see cref="RestartWaitMilliseconds"/> for a lock.</summary>
    private SqliteConnection Connection()
    {
        if (_connection is null)
        {
            var connection = _connect();
            using var pragma = connection.CreateCommand();
            pragma.CommandText = $"PRAGMA busy_timeout={RestartWaitMilliseconds}";
            pragma.ExecuteNonQuery();
            _connection = connection;
        }
        return _connection;
    }

    /// <summary>
    /// One checkpoint: PASSIVE never waits; RESTART and TRUNCATE wait (up to <see cref="RestartWaitMilliseconds"/>) for
    /// SQLite's write lock and for readers, and copy as much as PASSIVE when they time out. Returns the frames in the
    /// log and those now copied, and whether it stopped short.
    /// </summary>
    private static (long Logged, long Copied, bool Busy) Checkpoint(SqliteConnection connection, string mode)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA wal_checkpoint({mode})";
        var start = Environment.TickCount64;
        while (true)
        {
            using var reader = command.ExecuteReader();
            var result = reader.Read() ? (Logged: reader.GetInt64(1), Copied: reader.GetInt64(2), Busy: reader.GetInt64(0) != 0) : (0, 0, false);
            // -1: another process is checkpointing, and SQLite answers at once rather than through the busy handler.
            // A PASSIVE cycle step skips its turn; a restart waits for that checkpoint like for any other lock.
            if (result.Logged >= 0 || mode == "PASSIVE" || Environment.TickCount64 - start >= RestartWaitMilliseconds)
            {
                return result;
            }
            // Synchronous on purpose: a restart runs under the write gate (a lock, so no await) and waits at most
            // RestartWaitMilliseconds for another process's checkpoint.
#pragma warning disable RS0030
            Thread.Sleep(1);
#pragma warning restore RS0030
        }
    }

    /// <summary>Waits for a running checkpoint, then closes its connection; no checkpoint starts afterwards.</summary>
    public void Dispose()
    {
        lock (_connectionGate)
        {
            _disposed = true;
            _connection?.Dispose();
            _connection = null;
        }
        SpinWait.SpinUntil(() => Interlocked.CompareExchange(ref _running, 1, 0) == 0);
    }
}
