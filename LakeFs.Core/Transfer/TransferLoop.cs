using LakeFs.Core.Errors;
using LakeFs.Core.Model;

namespace LakeFs.Core.Transfer;

/// <summary>
/// Runs one transfer per item, at most a given number at once, counting what completed and reporting progress. The
/// first item that fails stops the loop: no new item starts, those under way finish (so each one counted is complete),
/// and the failure is thrown, built with the final count.
/// </summary>
internal static class TransferLoop
{
    public static async Task<(long Files, long Bytes)> RunAsync<T>(
        IReadOnlyList<T> items, long bytesTotal, int maxParallelism, IProgress<TransferProgress>? progress, TimeProvider time,
        Func<T, CancellationToken, Task<long>> transfer, Func<T, long, Exception, TransferFailedException> failure,
        CancellationToken cancellationToken)
    {
        var tracker = new ProgressTracker(items.Count, bytesTotal, progress, time);
        tracker.Report();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        (T Item, Exception Error)? failed = null;
        var gate = new Lock();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = maxParallelism, CancellationToken = stop.Token };
        try
        {
            await Parallel.ForEachAsync(items, parallel, async (item, _) =>
            {
                long bytes;
                try
                {
                    // The caller's token, not the loop's: a file under way when another fails is finished, not torn.
                    bytes = await transfer(item, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception e)
                {
                    lock (gate)
                    {
                        failed ??= (item, e);
                    }
                    await stop.CancelAsync().ConfigureAwait(false);
                    return;
                }
                tracker.Completed(bytes);
            }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (failed is not null && !cancellationToken.IsCancellationRequested)
        {
            // The loop stopped because an item failed: that failure is thrown below.
        }
        if (failed is { } f)
        {
            throw failure(f.Item, tracker.Files, f.Error);
        }
        tracker.Report();
        return (tracker.Files, tracker.Bytes);
    }

    /// <summary>Counts completed files and reports at most every 100 ms (by the repository's clock), and when asked.</summary>
    private sealed class ProgressTracker(long filesTotal, long bytesTotal, IProgress<TransferProgress>? progress, TimeProvider time)
    {
        private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
        private readonly Lock _gate = new();
        private long _files;
        private long _bytes;
        private long _lastReport = time.GetTimestamp();

        public long Files => Interlocked.Read(ref _files);

        public long Bytes => Interlocked.Read(ref _bytes);

        public void Completed(long bytes)
        {
            Interlocked.Add(ref _bytes, bytes);
            Interlocked.Increment(ref _files);
            if (progress is null)
            {
                return;
            }
            var now = time.GetTimestamp();
            if (time.GetElapsedTime(Interlocked.Read(ref _lastReport), now) < Interval)
            {
                return;
            }
            lock (_gate)
            {
                if (time.GetElapsedTime(_lastReport, now) >= Interval)
                {
                    Interlocked.Exchange(ref _lastReport, now);
                    progress.Report(new TransferProgress
                    {
                        FilesDone = Files,
                        FilesTotal = filesTotal,
                        BytesDone = Bytes,
                        BytesTotal = bytesTotal,
                    });
                }
            }
        }

        /// <summary>Reports now; under the same lock as the periodic reports, so counts never go back.</summary>
        public void Report()
        {
            if (progress is null)
            {
                return;
            }
            lock (_gate)
            {
                progress.Report(new TransferProgress
                {
                    FilesDone = Files,
                    FilesTotal = filesTotal,
                    BytesDone = Bytes,
                    BytesTotal = bytesTotal,
                });
            }
        }
    }
}
