using System.Threading.Channels;

namespace LakeFs.Core.Refs;

/// <summary>
/// Group commit for staged writes: concurrent puts queue here and one loop writes everything queued in a
/// single transaction, so N concurrent writers pay for one SQLite commit instead of N. Each row goes to the
/// branch's staging token as read inside that transaction, so a commit sealing the token can never miss it.
/// </summary>
internal sealed class StagingWriter : IAsyncDisposable
{
    private const int MaxBatch = 2048;
    private readonly SqliteRefStore _refs;
    private readonly Channel<StageRequest> _queue = Channel.CreateUnbounded<StageRequest>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;

    public StagingWriter(SqliteRefStore refs)
    {
        _refs = refs;
        _loop = Task.Run(RunAsync);
    }

    public Task<StageResult> StageAsync(StageRequest request)
    {
        if (!_queue.Writer.TryWrite(request))
        {
            throw new ObjectDisposedException(nameof(StagingWriter));
        }
        return request.Completion.Task;
    }

    private async Task RunAsync()
    {
        var batch = new List<StageRequest>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var request))
            {
                batch.Add(request);
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
        using var s = _refs.Open();
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

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }
}
