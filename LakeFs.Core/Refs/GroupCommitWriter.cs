using System.Collections.Concurrent;

namespace LakeFs.Core.Refs;

/// <summary>
/// Group commit for staged writes, shared by the ref stores: concurrent puts queue here and whoever finds no write in
/// progress becomes the writer, writing everything queued as one batch (one transaction of the store), then whatever
/// queued meanwhile. One writer pays one commit; N concurrent writers share commits. A store whose
/// <see cref="WriteBatchAsync"/> completes synchronously (SQLite) drains on the caller's thread, with no thread hop.
/// </summary>
internal abstract class GroupCommitWriter
{
    private const int MaxBatch = 2048;
    private readonly ConcurrentQueue<StageRequest> _queue = new();
    private int _writing;

    public Task<StageResult> StageAsync(StageRequest request)
    {
        _queue.Enqueue(request);
        if (Interlocked.CompareExchange(ref _writing, 1, 0) == 0)
        {
            _ = DrainAsync();
        }
        return request.Completion.Task;
    }

    /// <summary>Writes one batch in one transaction; one result per request, in order.</summary>
    protected abstract ValueTask<StageResult[]> WriteBatchAsync(List<StageRequest> batch);

    private async Task DrainAsync()
    {
        var batch = new List<StageRequest>();
        while (true)
        {
            while (batch.Count < MaxBatch && _queue.TryDequeue(out var request))
            {
                batch.Add(request);
            }
            if (batch.Count > 0)
            {
                try
                {
                    var results = await WriteBatchAsync(batch).ConfigureAwait(false);
                    for (var i = 0; i < batch.Count; i++)
                    {
                        batch[i].Completion.TrySetResult(results[i]);
                    }
                }
#pragma warning disable CA1031 // The failure belongs to the callers waiting on this batch.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    foreach (var request in batch)
                    {
                        request.Completion.TrySetException(e);
                    }
                }
                batch.Clear();
                continue;
            }
            Volatile.Write(ref _writing, 0);
            // A request queued after the last dequeue but before the release has no writer yet: take the role back.
            if (_queue.IsEmpty || Interlocked.CompareExchange(ref _writing, 1, 0) != 0)
            {
                return;
            }
        }
    }
}
