using System.Collections.Concurrent;

namespace LakeFs.Core.Refs;

/// <summary>
/// Group commit for staged writes: concurrent puts queue here and whoever finds no write in progress becomes the
/// writer, writing everything queued in one transaction on its own thread, then whatever queued meanwhile. One
/// writer pays one SQLite commit and no thread hop; N concurrent writers share commits. Each row goes to the
/// branch's staging token as read inside that transaction, so a commit freezing the token can never miss it.
/// </summary>
internal sealed class StagingWriter(SqliteRefStore refs)
{
    private const int MaxBatch = 2048;
    private readonly ConcurrentQueue<StageRequest> _queue = new();
    private int _writing;

    public Task<StageResult> StageAsync(StageRequest request)
    {
        _queue.Enqueue(request);
        while (!_queue.IsEmpty && Interlocked.CompareExchange(ref _writing, 1, 0) == 0)
        {
            try
            {
                Drain();
            }
            finally
            {
                Volatile.Write(ref _writing, 0);
            }
            // Loop: a request queued after the last drain but before the release has no writer yet.
        }
        return request.Completion.Task;
    }

    private void Drain()
    {
        var batch = new List<StageRequest>();
        while (true)
        {
            while (batch.Count < MaxBatch && _queue.TryDequeue(out var request))
            {
                batch.Add(request);
            }
            if (batch.Count == 0)
            {
                return;
            }
            try
            {
                var results = Write(batch);
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
        }
    }

    private StageResult[] Write(List<StageRequest> batch)
    {
        using var s = refs.Open();
        return s.Write(tx =>
        {
            var results = new StageResult[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                var request = batch[i];
                if (request.IfAbsentAtHead is { } head)
                {
                    var branch = SqliteRefStore.GetBranch(tx, request.Branch);
                    if (branch is null)
                    {
                        results[i] = StageResult.BranchNotFound;
                        continue;
                    }
                    if (branch.Head != head)
                    {
                        results[i] = StageResult.HeadMoved;
                        continue;
                    }
                    var (found, entry) = SqliteRefStore.GetStaged(tx, branch.Tokens, request.Path);
                    if (found && entry is not null)
                    {
                        results[i] = StageResult.AlreadyExists;
                        continue;
                    }
                }
                var rows = tx.Execute(
                    "INSERT OR REPLACE INTO staged(token, path, entry) SELECT staging_token, $2, $3 FROM branches WHERE name = $1",
                    request.Branch, request.Path, request.Entry);
                results[i] = rows == 0 ? StageResult.BranchNotFound : StageResult.Staged;
            }
            return results;
        });
    }
}
