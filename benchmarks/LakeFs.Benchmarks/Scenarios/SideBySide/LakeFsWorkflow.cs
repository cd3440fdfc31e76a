using LakeFs.Benchmarks.Infrastructure;
using LakeFs.Core;
using LakeFs.Core.Model;

namespace LakeFs.Benchmarks.Scenarios.SideBySide;

/// <summary>The workflow on LakeFs: puts with 4 concurrent writers (the library's ordinary use), default durability.</summary>
public sealed class LakeFsWorkflow(Repository repo) : IWorkflow
{
    private string? _firstCommit;

    public string Tool => "LakeFs";

    public static async Task<LakeFsWorkflow> CreateAsync(string folder) => new(await Repository.CreateAsync(folder));

    public Task ImportAsync(IReadOnlyList<int> files, Func<int, byte[]> content) => PutAllAsync("main", files, content);

    public async Task CommitAsync(string message) => _firstCommit = (await repo.CommitAsync("main", message)).Id;

    public Task BranchAsync(string name) => repo.BranchAsync(name, "main");

    public async Task ChangeAndCommitAsync(string branch, IReadOnlyList<int> files, Func<int, byte[]> content, string message)
    {
        await PutAllAsync(branch, files, content);
        await repo.CommitAsync(branch, message);
    }

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

    private Task PutAllAsync(string branch, IReadOnlyList<int> files, Func<int, byte[]> content) =>
        Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, ct) =>
        {
            using var stream = new MemoryStream(content(i), writable: false);
            await repo.PutObjectAsync(branch, Fixtures.PathOf(i), stream, cancellationToken: ct);
        });

    public ValueTask DisposeAsync() => repo.DisposeAsync();
}
