namespace LakeFs.Benchmarks.Scenarios.SideBySide;

/// <summary>The side-by-side workflow, implemented once per tool. Each step is timed by the caller.</summary>
public interface IWorkflow : IAsyncDisposable
{
    string Tool { get; }

    /// <summary>Writes the files (for git: into the work tree) and stages them.</summary>
    Task ImportAsync(IReadOnlyList<int> files, Func<int, byte[]> content);

    Task CommitAsync(string message);

    Task BranchAsync(string name);

    /// <summary>On branch <paramref name="branch"/>: rewrites the files and commits.</summary>
    Task ChangeAndCommitAsync(string branch, IReadOnlyList<int> files, Func<int, byte[]> content, string message);

    /// <summary>Merges <paramref name="branch"/> into main without fast-forward.</summary>
    Task MergeAsync(string branch);

    /// <summary>Diffs main's first commit against the branch; returns the number of changed paths.</summary>
    Task<int> DiffAsync(string branch);
}
