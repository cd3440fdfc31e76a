using LibGit2Sharp;

namespace LakeFs.Benchmarks.Scenarios.SideBySide;

/// <summary>The workflow with LibGit2Sharp in a temporary repository.</summary>
public sealed class LibGit2SharpWorkflow : IWorkflow
{
    private readonly LibGit2Sharp.Repository _repo;
    private readonly string _root;
    private Commit? _firstCommit;

    private LibGit2SharpWorkflow(string root)
    {
        _root = root;
        var gitDir = LibGit2Sharp.Repository.Init(root);
        // An empty repository's HEAD names "master"; name the unborn branch main like the others.
        File.WriteAllText(Path.Combine(gitDir, "HEAD"), "ref: refs/heads/main\n");
        _repo = new LibGit2Sharp.Repository(root);
    }

    public string Tool => "LibGit2Sharp";

    public static Task<LibGit2SharpWorkflow> CreateAsync(string folder) => Task.FromResult(new LibGit2SharpWorkflow(folder));

    private static Signature Now() => new("bench", "bench@example.invalid", DateTimeOffset.UtcNow);

    public Task ImportAsync(IReadOnlyList<int> files, Func<int, byte[]> content)
    {
        WorkTree.Write(_root, files, content);
        Commands.Stage(_repo, "*");
        return Task.CompletedTask;
    }

    public Task CommitAsync(string message)
    {
        _firstCommit = _repo.Commit(message, Now(), Now());
        return Task.CompletedTask;
    }

    public Task BranchAsync(string name)
    {
        _repo.CreateBranch(name);
        return Task.CompletedTask;
    }

    public Task ChangeAndCommitAsync(string branch, IReadOnlyList<int> files, Func<int, byte[]> content, string message)
    {
        Commands.Checkout(_repo, branch);
        WorkTree.Write(_root, files, content);
        Commands.Stage(_repo, "*");
        _repo.Commit(message, Now(), Now());
        return Task.CompletedTask;
    }

    public Task MergeAsync(string branch)
    {
        Commands.Checkout(_repo, "main");
        var result = _repo.Merge(_repo.Branches[branch], Now(), new MergeOptions { FastForwardStrategy = FastForwardStrategy.NoFastForward });
        if (result.Status == MergeStatus.Conflicts)
        {
            throw new InvalidOperationException("LibGit2Sharp reported conflicts.");
        }
        return Task.CompletedTask;
    }

    public Task<int> DiffAsync(string branch)
    {
        using var changes = _repo.Diff.Compare<TreeChanges>(_firstCommit!.Tree, _repo.Branches[branch].Tip.Tree);
        return Task.FromResult(changes.Count);
    }

    public ValueTask DisposeAsync()
    {
        _repo.Dispose();
        return ValueTask.CompletedTask;
    }
}
