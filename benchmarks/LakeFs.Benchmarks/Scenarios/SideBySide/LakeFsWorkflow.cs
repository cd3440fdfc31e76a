using LakeFs.Benchmarks.Infrastructure;
using LakeFs.Core;
#if LAKEFS_DIFF_MERGE
using LakeFs.Core.Model;
#endif

namespace LakeFs.Benchmarks.Scenarios.SideBySide;

/// <summary>The workflow on LakeFs: puts with 4 concurrent writers (the library's ordinary use), default durability.</summary>
public sealed class LakeFsWorkflow(Repository repo) : IWorkflow
{
#if LAKEFS_DIFF_MERGE
    private string? _firstCommit;
#endif

    public string Tool => "LakeFs";

    public static async Task<LakeFsWorkflow> CreateAsync(string folder) => new(await Repository.CreateAsync(folder));

    public Task ImportAsync(IReadOnlyList<int> files, Func<int, byte[]> content) => PutAllAsync("main", files, content);

#if LAKEFS_DIFF_MERGE
    public async Task CommitAsync(string message) => _firstCommit = (await repo.CommitAsync("main", message)).Id;
#else
    public Task CommitAsync(string message) => repo.CommitAsync("main", message);
#endif

    public Task BranchAsync(string name) => repo.BranchAsync(name, "main");

    public async Task ChangeAndCommitAsync(string branch, IReadOnlyList<int> files, Func<int, byte[]> content, string message)
    {
        await PutAllAsync(branch, files, content);
        await repo.CommitAsync(branch, message);
    }

#if LAKEFS_DIFF_MERGE
    public Task MergeAsync(string branch) =>
        repo.MergeAsync(branch, "main", new MergeOptions { FastForward = FastForward.Never, Message = $"Merge {branch}" });

    public async Task<int> DiffAsync(string branch)
    {
        var count = 0;
        await foreach (var change in repo.DiffAsync(_firstCommit!, branch))
        {
            count++;
        }
        return count;
    }
#else
    public Task MergeAsync(string branch) => throw new NotSupportedException(UnavailableScenario.NotAvailable);

    public Task<int> DiffAsync(string branch) => throw new NotSupportedException(UnavailableScenario.NotAvailable);
#endif

    private Task PutAllAsync(string branch, IReadOnlyList<int> files, Func<int, byte[]> content) =>
        Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, ct) =>
        {
            using var stream = new MemoryStream(content(i), writable: false);
            await repo.PutObjectAsync(branch, Fixtures.PathOf(i), stream, cancellationToken: ct);
        });

    public ValueTask DisposeAsync() => repo.DisposeAsync();
}
