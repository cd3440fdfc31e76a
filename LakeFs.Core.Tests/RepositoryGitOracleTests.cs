using System.Text;
using FsCheck;
using FsCheck.Fluent;
using LakeFs.Core.Errors;
using LakeFs.Core.Graveler;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.TestSupport;

namespace LakeFs.Core.Tests;

/// <summary>
/// git as the oracle: one random sequence of branch / write / delete / commit / merge, driven on a git repository
/// (one file per path) and on a LakeFs repository. Both must agree on every commit and merge outcome: "nothing to
/// commit" is <see cref="NoChangesException"/>, "Already up to date" is <see cref="NoChangesException"/>, git's
/// conflicting paths are exactly the paths in <see cref="MergeConflictException.Conflicts"/>, and after every
/// commit or clean merge both trees hold the same bytes at the same paths.
/// </summary>
public class RepositoryGitOracleTests
{
    private const int Steps = 40;

    private static readonly string[] Paths = ["d1/f1", "d1/f2", "d1/f3", "d2/f1", "d2/f2", "d3/f1", "d3/f2"];

    // A tiny alphabet so identical writes (and identical changes on both sides) happen often. One line each, no
    // newline: git merges text line by line, LakeFs object by object, and for one-line files the two agree.
    private static readonly string[] Contents = ["a", "b", "ab"];

    private static readonly string[] BranchNames = ["main", "b1", "b2", "b3"];

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(338601028)]
    public Task LakeFs_agrees_with_git_on_a_fixed_sequence(int seed) => RunAsync(seed);

    [FsCheck.NUnit.Property(MaxTest = 2)]
    public Property LakeFs_agrees_with_git_on_a_random_sequence() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            RunAsync(seed).GetAwaiter().GetResult();
        });

    private static async Task RunAsync(int seed)
    {
        using var dir = new TempDirectory();
        var git = await GitRepository.InitAsync(dir.Combine("git"), "main");
        await git.RunAsync("commit", "-q", "--allow-empty", "-m", "Repository created");
        var options = Repository.LocalOptions(dir.Combine("lakefs")) with
        {
            Tree = new TreeOptions { BlockSize = 256, MinRangeBytes = 512, BoundaryBits = 2, MaxRangeBytes = 4096 },
        };
        var repo = await Repository.CreateAsync(options);
        await using (repo)
        {
            var oracle = new Oracle(git, repo, new Random(seed));
            await oracle.StartAsync();
            try
            {
                for (var step = 0; step < Steps; step++)
                {
                    await oracle.StepAsync(step);
                }
                await oracle.CompareAllBranchesAsync();
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"seed {seed}: {e.Message}\nsteps so far:\n  " + string.Join("\n  ", oracle.Log), e);
            }
        }
    }

    private sealed class Oracle(GitRepository git, Repository repo, Random random)
    {
        private readonly List<string> _branches = ["main"];

        // Uncommitted writes per branch (null = delete). git gets them at commit time, since its working tree is
        // shared by all branches; LakeFs stages them right away.
        private readonly Dictionary<string, SortedDictionary<string, string?>> _pending = new() { ["main"] = new(StringComparer.Ordinal) };

        // Committed content of each branch's head, as git has it.
        private readonly Dictionary<string, SortedDictionary<string, string>> _committed = new() { ["main"] = new(StringComparer.Ordinal) };

        private readonly Dictionary<string, string> _gitOf = new(StringComparer.Ordinal);
        private string _checkedOut = "main";

        public List<string> Log { get; } = [];

        public async Task StartAsync() => _gitOf[(await repo.GetBranchAsync("main")).Head] = await git.RevParseAsync();

        public async Task StepAsync(int step)
        {
            var roll = random.Next(100);
            var branch = _branches[random.Next(_branches.Count)];
            if (roll < 8 && _branches.Count < BranchNames.Length)
            {
                await CreateBranchAsync(BranchNames[_branches.Count], branch);
            }
            else if (roll < 45)
            {
                await WriteAsync(branch, Paths[random.Next(Paths.Length)], Contents[random.Next(Contents.Length)]);
            }
            else if (roll < 58)
            {
                var visible = View(branch).Keys.ToList();
                if (visible.Count > 0)
                {
                    await DeleteAsync(branch, visible[random.Next(visible.Count)]);
                }
            }
            else if (roll < 78)
            {
                await CommitAsync(branch, step);
            }
            else if (_branches.Count > 1)
            {
                var source = _branches.Where(b => b != branch).ElementAt(random.Next(_branches.Count - 1));
                await MergeAsync(source, branch, step);
            }
        }

        private async Task CreateBranchAsync(string name, string from)
        {
            Log.Add($"branch {name} from {from}");
            await repo.BranchAsync(name, from);
            await git.RunAsync("branch", name, from);
            _branches.Add(name);
            _pending[name] = new(StringComparer.Ordinal);
            _committed[name] = new(_committed[from], StringComparer.Ordinal);
        }

        private async Task WriteAsync(string branch, string path, string content)
        {
            Log.Add($"write {branch}:{path} = {content}");
            await repo.PutTextAsync(branch, path, content);
            _pending[branch][path] = content;
        }

        private async Task DeleteAsync(string branch, string path)
        {
            Log.Add($"delete {branch}:{path}");
            await repo.DeleteObjectAsync(branch, path);
            _pending[branch][path] = null;
        }

        private SortedDictionary<string, string> View(string branch)
        {
            var view = new SortedDictionary<string, string>(_committed[branch], StringComparer.Ordinal);
            foreach (var (path, content) in _pending[branch])
            {
                if (content is null)
                {
                    view.Remove(path);
                }
                else
                {
                    view[path] = content;
                }
            }
            return view;
        }

        private async Task CheckOutAsync(string branch)
        {
            if (_checkedOut != branch)
            {
                await git.RunAsync("checkout", "-q", branch);
                _checkedOut = branch;
            }
        }

        private async Task CommitAsync(string branch, int step)
        {
            Log.Add($"commit {branch}");
            await CheckOutAsync(branch);
            foreach (var (path, content) in _pending[branch])
            {
                var file = Path.Combine(git.Folder, path);
                if (content is null)
                {
                    // A delete of a path only written since the last commit: git never saw the file.
                    if (File.Exists(file))
                    {
                        File.Delete(file);
                    }
                }
                else
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                    await File.WriteAllTextAsync(file, content);
                }
            }
            _pending[branch].Clear();
            await git.RunAsync("add", "-A");
            var message = $"step {step}";
            var (exit, output, error) = await git.TryRunAsync("commit", "-q", "-m", message);
            var gitCommitted = exit == 0;
            if (!gitCommitted && !output.Contains("nothing to commit", StringComparison.Ordinal))
            {
                Assert.Fail($"git commit failed unexpectedly ({exit}): {output}{error}");
            }

            if (gitCommitted)
            {
                var commit = await repo.CommitAsync(branch, message);
                Log.Add($"  -> committed {commit.Id[..8]}");
                _gitOf[commit.Id] = await git.RevParseAsync();
            }
            else
            {
                var before = (await repo.GetBranchAsync(branch)).Head;
                Assert.ThrowsAsync<NoChangesException>(() => repo.CommitAsync(branch, message), "git had nothing to commit on " + branch);
                Assert.That((await repo.GetBranchAsync(branch)).Head, Is.EqualTo(before));
                Log.Add("  -> nothing to commit");
            }
            _committed[branch] = Text(git.ReadWorkingTree());
            await CompareAsync(branch);
        }

        private async Task MergeAsync(string source, string destination, int step)
        {
            Log.Add($"merge {source} into {destination}");
            var options = new MergeOptions { FastForward = FastForward.Never, Message = $"step {step}" };
            if (_pending[destination].Count > 0)
            {
                var dirtyHead = (await repo.GetBranchAsync(destination)).Head;
                Assert.ThrowsAsync<DirtyBranchException>(() => repo.MergeAsync(source, destination, options));
                Assert.That((await repo.GetBranchAsync(destination)).Head, Is.EqualTo(dirtyHead));
                await CommitAsync(destination, step);
            }
            await CheckOutAsync(destination);
            var headBefore = (await repo.GetBranchAsync(destination)).Head;
            var gitHeadBefore = await git.RevParseAsync();
            Assert.That(_gitOf[headBefore], Is.EqualTo(gitHeadBefore), "heads correspond before the merge");

            var gitBases = (await git.RunAsync("merge-base", "--all", destination, source))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var lakeBase = await repo.FindMergeBaseAsync(source, destination);
            Assert.That(lakeBase, Is.Not.Null);
            Assert.That(gitBases, Does.Contain(_gitOf[lakeBase!.Id]), "the merge base is one of git's best common ancestors");

            var (upToDate, gitConflicts) = gitBases.Length == 1
                ? await GitMergeAsync(source, gitHeadBefore, options.Message)
                : await GitMergeWithBaseAsync(source, _gitOf[lakeBase.Id], options.Message);

            if (upToDate)
            {
                Log.Add("  -> already up to date");
                Assert.ThrowsAsync<NoChangesException>(() => repo.MergeAsync(source, destination, options), "git: already up to date");
                Assert.That((await repo.GetBranchAsync(destination)).Head, Is.EqualTo(headBefore));
                return;
            }
            if (gitConflicts.Count > 0)
            {
                Log.Add("  -> git conflicts: " + string.Join(", ", gitConflicts));
                var error = Assert.ThrowsAsync<MergeConflictException>(() => repo.MergeAsync(source, destination, options), "git reported conflicts");
                Assert.That(error!.Conflicts.Select(c => c.Path).Order(StringComparer.Ordinal), Is.EqualTo(gitConflicts), "conflicting paths");
                Assert.That((await repo.GetBranchAsync(destination)).Head, Is.EqualTo(headBefore));
                Assert.That(await git.RevParseAsync(), Is.EqualTo(gitHeadBefore));
                await CompareAsync(destination);
                return;
            }

            var result = await repo.MergeAsync(source, destination, options);
            Log.Add($"  -> merged {result.Head[..8]}");
            Assert.That(result.FastForwarded, Is.False);
            Assert.That(result.Commit!.Parents, Is.EqualTo(new[] { headBefore, (await repo.GetBranchAsync(source)).Head }));
            _gitOf[result.Head] = await git.RevParseAsync();
            _committed[destination] = Text(git.ReadWorkingTree());
            await CompareAsync(destination);
        }

        /// <summary>git merge; returns whether it was already up to date, and the conflicting paths (then aborts).</summary>
        private async Task<(bool UpToDate, List<string> Conflicts)> GitMergeAsync(string source, string headBefore, string message)
        {
            // git 2.39's default strategy (ort) detects renames even with merge.renames=false and -X no-renames
            // (an identical file deleted on one path and added on another becomes a rename/delete conflict);
            // the recursive strategy honours them. LakeFs has no renames.
            var (exit, output, error) = await git.TryRunAsync(
                "-c", "merge.conflictstyle=merge", "-c", "merge.renames=false", "-c", "diff.renames=false",
                "merge", "-s", "recursive", "-X", "no-renames", "--no-ff", "--no-edit", "-m", message, source);
            if (exit == 0)
            {
                // Only an unmoved HEAD means "already up to date": the recursive strategy also prints "Already up
                // to date!" when the source changed nothing since the base, and still records the merge commit.
                return (await git.RevParseAsync() == headBefore, []);
            }
            var conflicts = await UnmergedPathsAsync();
            Assert.That(conflicts, Is.Not.Empty, $"git merge failed without conflicts: {output}{error}");
            await git.RunAsync("merge", "--abort");
            return (false, conflicts);
        }

        /// <summary>
        /// A criss-cross history has several best common ancestors; git's default strategy would merge them into a
        /// virtual one, LakeFs picks one. Merge in git against the ancestor LakeFs picked (what
        /// <c>git merge -s resolve</c> does with one base), so both sides answer the same question.
        /// </summary>
        private async Task<(bool UpToDate, List<string> Conflicts)> GitMergeWithBaseAsync(string source, string mergeBase, string message)
        {
            Log.Add("  (criss-cross: merging against " + mergeBase[..8] + ")");
            await git.RunAsync("read-tree", "-m", "-u", "--aggressive", mergeBase, "HEAD", source);
            var (exit, _, _) = await git.TryRunAsync("merge-index", "-o", "-q", "git-merge-one-file", "-a");
            var conflicts = await UnmergedPathsAsync();
            if (exit != 0 || conflicts.Count > 0)
            {
                Assert.That(conflicts, Is.Not.Empty, "git merge-index failed without conflicts");
                await git.RunAsync("reset", "-q", "--hard", "HEAD");
                return (false, conflicts);
            }
            var tree = (await git.RunAsync("write-tree")).Trim();
            var commit = (await git.RunAsync("commit-tree", tree, "-p", "HEAD", "-p", source, "-m", message)).Trim();
            await git.RunAsync("reset", "-q", "--hard", commit);
            return (false, []);
        }

        private async Task<List<string>> UnmergedPathsAsync() =>
            [.. (await git.RunAsync("diff", "--name-only", "--diff-filter=U"))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Distinct()
                .Order(StringComparer.Ordinal)];

        public async Task CompareAllBranchesAsync()
        {
            foreach (var branch in _branches)
            {
                await CheckOutAsync(branch);
                await CompareAsync(branch);
                Assert.That(_gitOf[(await repo.GetBranchAsync(branch)).Head], Is.EqualTo(await git.RevParseAsync()), "heads of " + branch);
            }
        }

        /// <summary>git's checked-out tree against the branch's committed LakeFs tree, path by path.</summary>
        private async Task CompareAsync(string branch)
        {
            Assert.That(_checkedOut, Is.EqualTo(branch));
            var expected = git.ReadWorkingTree();
            var actual = await repo.ReadBytesAsync(branch + "@");
            Assert.That(actual.Keys, Is.EqualTo(expected.Keys), $"paths on {branch}");
            foreach (var (path, bytes) in expected)
            {
                Assert.That(actual[path], Is.EqualTo(bytes), $"content of {branch}:{path}");
            }
        }

        private static SortedDictionary<string, string> Text(SortedDictionary<string, byte[]> files) =>
            new(files.ToDictionary(f => f.Key, f => Encoding.UTF8.GetString(f.Value)), StringComparer.Ordinal);
    }
}
