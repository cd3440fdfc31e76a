using System.Text;
using FsCheck;
using FsCheck.Fluent;
using LakeFs.Core.Errors;
using LakeFs.Core.Trees;
using LakeFs.Core.Model;
using LakeFs.Core.Refs;
using LakeFs.Core.Tests.TestSupport;

namespace LakeFs.Core.Tests;

/// <summary>
/// git as the oracle: one sequence of branch / write / delete / commit / merge / revert / cherry-pick, driven on a
/// git repository (one file per path) and on a LakeFs repository. Both must agree on every outcome: "nothing to
/// commit" and "already up to date" are <see cref="NoChangesException"/>, git's conflicting paths are exactly the
/// paths in <see cref="MergeConflictException.Conflicts"/> (or the count a strategy resolved), the best common
/// ancestors are git's <c>merge-base --all</c>, and after every step both hold the same bytes at the same paths.
/// Merges use git's recursive strategy, which merges several best common ancestors into a virtual base; staged
/// rows that change nothing (a re-put of the committed content, a put then delete of a path the head lacks, a delete
/// then put back) are not uncommitted changes, as git's working tree has none in those cases.
/// </summary>
public class RepositoryGitOracleTests
{
    private const int Steps = 60;

    private static readonly string[] Paths = ["d1/f1", "d1/f2", "d1/f3", "d2/f1", "d2/f2", "d3/f1", "d3/f2"];

    // A tiny alphabet so identical writes (and identical changes on both sides) happen often. One line each, no
    // newline: git merges text line by line, LakeFs object by object, and for one-line files the two agree.
    private static readonly string[] Contents = ["a", "b", "ab"];

    private static readonly string[] BranchNames = ["main", "b1", "b2", "b3"];

    // Seeds whose histories, together, hold criss-cross merges whose result depends on the base, and staged rows
    // that change nothing before merges, reverts and cherry-picks (checked below, so the list cannot rot). 6567770
    // once made the test stage a "no-op" delete of a path its dirty branch had already deleted.
    private static readonly int[] FixedSeeds = [1, 2, 3, 4, 5, 338601028, 6567770];

    [Test]
    public async Task LakeFs_agrees_with_git_on_fixed_sequences_covering_criss_cross_merges_and_no_op_staging()
    {
        var total = new Coverage();
        foreach (var seed in FixedSeeds)
        {
            total.Add(await RunAsync(seed));
        }
        TestContext.Out.WriteLine(total);
        Assert.Multiple(() =>
        {
            Assert.That(total.CrissCrossMerges, Is.GreaterThan(0), "criss-cross merges compared with git");
            Assert.That(total.BaseDependentMerges, Is.GreaterThan(0), "criss-cross merges whose result depends on the base");
            Assert.That(total.Reverts + total.CherryPicks, Is.GreaterThan(0), "reverts and cherry-picks that changed something");
            foreach (var operation in new[] { "merge", "revert", "cherry-pick" })
            {
                foreach (var form in new[] { "re-put", "put-delete", "delete-put" })
                {
                    Assert.That(total.NoOpStaged.GetValueOrDefault((operation, form)), Is.GreaterThan(0), $"{operation} after a {form} that changes nothing");
                }
            }
        });
    }

    [FsCheck.NUnit.Property(MaxTest = 2)]
    public Property LakeFs_agrees_with_git_on_a_random_sequence() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            RunAsync(seed).GetAwaiter().GetResult();
        });

    /// <summary>Hand-made histories: each names what it checks. Every step is compared with git as in the random runs.</summary>
    private static IEnumerable<TestCaseData> Scripts()
    {
        // Each side merged the other's first commit, resolving the conflict its own way: the best common ancestors
        // a1 and b1 disagree on d1/f1. Against a1 alone the merge would take b's "c"; against b1 alone a's "b"; git's
        // virtual base has a conflict there, so both sides changed the path: a conflict.
        string[] crissCross =
        [
            "write main d1/f1 a", "commit main", "branch a main", "branch b main",
            "write a d1/f1 b", "commit a", "write b d1/f1 c", "commit b", "branch a1 a", "branch b1 b",
            "merge b1 a ours", "merge a1 b ours",
        ];
        yield return new TestCaseData("conflict inside the virtual base", (string[])[.. crissCross, "merge b a"], true);
        yield return new TestCaseData("conflict inside the virtual base, resolved", (string[])[.. crissCross, "merge b a theirs", "merge a b"], true);
        // The bases a1 (changed d1/f2) and b1 (deleted it) disagree: inside the virtual merge a change against a
        // delete keeps the pair's own base version, so the path reads "a" there and the sides' "b" and delete clash.
        yield return new TestCaseData("change against delete inside the virtual base", (string[])
        [
            "write main d1/f2 a", "commit main", "branch a main", "branch b main",
            "write a d1/f2 b", "commit a", "delete b d1/f2", "write b d2/f1 a", "commit b", "branch a1 a", "branch b1 b",
            "merge b1 a ours", "merge a1 b ours", "merge b a",
        ], true);
        // The bases agree on a path both then leave alone, and one side changes it afterwards: a clean merge.
        yield return new TestCaseData("bases that agree", (string[])
        [
            "write main d1/f1 a", "commit main", "branch a main", "branch b main",
            "write a d1/f2 a", "commit a", "write b d2/f1 a", "commit b", "branch a1 a", "branch b1 b",
            "merge b1 a", "merge a1 b", "write a d1/f1 b", "commit a", "merge a b",
        ], false);
        // A criss-cross whose bases are themselves criss-cross merges: the virtual base is built recursively.
        yield return new TestCaseData("nested criss-cross", (string[])
        [
            .. crissCross,
            "branch a2 a", "branch b2 b", "write a d2/f2 x", "commit a", "write b d2/f2 y", "commit b",
            "merge b2 a ours", "merge a2 b ours", "merge b a theirs",
        ], true);
        // Staged rows that change nothing, before each kind of operation, at the very path the operation changes:
        // left behind, they would hide its result.
        yield return new TestCaseData("no-op staging before merge, revert and cherry-pick", (string[])
        [
            "write main d1/f1 a", "write main d1/f2 a", "commit main", "branch a main", "write a d1/f1 b", "commit a",
            "write main d1/f1 a", "merge a main",
            "delete main d1/f1", "write main d1/f1 b", "revert main main 1",
            "write a d3/f1 c", "commit a", "write main d3/f1 b", "delete main d3/f1", "pick main a",
        ], false);
    }

    [TestCaseSource(nameof(Scripts))]
    public async Task LakeFs_agrees_with_git_on_a_scripted_history(string name, string[] script, bool baseDependent)
    {
        var coverage = await RunAsync(script);
        if (baseDependent)
        {
            Assert.That(coverage.BaseDependentMerges, Is.GreaterThan(0), name + ": the last merge should depend on the base");
        }
    }

    /// <summary>The scripted histories with refs in PostgreSQL (merge bases and history walks are the store's queries there).</summary>
    [TestCaseSource(nameof(Scripts))]
    public async Task LakeFs_on_PostgreSql_refs_agrees_with_git_on_a_scripted_history(string name, string[] script, bool baseDependent)
    {
        var coverage = await RunAsync(script, RefStoreKind.PostgreSql);
        if (baseDependent)
        {
            Assert.That(coverage.BaseDependentMerges, Is.GreaterThan(0), name + ": the last merge should depend on the base");
        }
    }

    [FsCheck.NUnit.Property(MaxTest = 1)]
    public Property LakeFs_on_PostgreSql_refs_agrees_with_git_on_a_random_sequence() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            RunAsync(seed, RefStoreKind.PostgreSql).GetAwaiter().GetResult();
        });

    private static Task<Coverage> RunAsync(int seed, RefStoreKind refs = RefStoreKind.Sqlite)
    {
        var random = new Random(seed);
        return RunAsync($"seed {seed}", random, (oracle, step) => oracle.RandomStepAsync(step), Steps, refs);
    }

    private static Task<Coverage> RunAsync(string[] script, RefStoreKind refs = RefStoreKind.Sqlite) =>
        RunAsync("script", new Random(0), (oracle, step) => oracle.ScriptStepAsync(script[step], step), script.Length, refs);

    private static async Task<Coverage> RunAsync(string name, Random random, Func<Oracle, int, Task> step, int steps, RefStoreKind refs)
    {
        using var dir = new TempDirectory();
        using var refStore = new TestRefStore(refs);
        var git = await GitRepository.InitAsync(dir.Combine("git"), "main");
        var options = refStore.Local(dir.Combine("lakefs")) with
        {
            Tree = new TreeOptions { BlockSize = 256, MinRangeBytes = 512, BoundaryBits = 2, MaxRangeBytes = 4096 },
        };
        var repo = await Repository.CreateAsync(options);
        await using (repo)
        {
            var oracle = new Oracle(git, repo, random);
            try
            {
                await oracle.StartAsync();
                for (var i = 0; i < steps; i++)
                {
                    await step(oracle, i);
                }
                await oracle.CompareAllBranchesAsync();
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"{name}: {e.Message}\nsteps so far:\n  " + string.Join("\n  ", oracle.Log), e);
            }
            return oracle.Coverage;
        }
    }

    /// <summary>What a run exercised.</summary>
    private sealed class Coverage
    {
        public int CrissCrossMerges { get; set; }

        public int BaseDependentMerges { get; set; }

        public int SkippedAmbiguous { get; set; }

        public int Reverts { get; set; }

        public int CherryPicks { get; set; }

        /// <summary>Operations run on a branch whose staged rows all change nothing, by operation and by how they were staged.</summary>
        public Dictionary<(string Operation, string Form), int> NoOpStaged { get; } = [];

        public void Add(Coverage other)
        {
            CrissCrossMerges += other.CrissCrossMerges;
            BaseDependentMerges += other.BaseDependentMerges;
            SkippedAmbiguous += other.SkippedAmbiguous;
            Reverts += other.Reverts;
            CherryPicks += other.CherryPicks;
            foreach (var (key, count) in other.NoOpStaged)
            {
                NoOpStaged[key] = NoOpStaged.GetValueOrDefault(key) + count;
            }
        }

        public override string ToString() =>
            $"criss-cross merges {CrissCrossMerges} (base-dependent {BaseDependentMerges}, skipped {SkippedAmbiguous}), reverts {Reverts}, cherry-picks {CherryPicks}, "
            + "no-op staging before: " + string.Join(", ", NoOpStaged.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal).Select(p => $"{p.Key.Operation}/{p.Key.Form} {p.Value}"));
    }

    private sealed class Oracle(GitRepository git, Repository repo, Random random)
    {
        private static readonly DateTimeOffset Epoch = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

        private readonly List<string> _branches = ["main"];

        // Uncommitted writes per branch (null = delete). git gets them at commit time, since its working tree is
        // shared by all branches; LakeFs stages them right away.
        private readonly Dictionary<string, SortedDictionary<string, string?>> _pending = new() { ["main"] = new(StringComparer.Ordinal) };

        // How the pending rows of a branch that change nothing were made, for the coverage count.
        private readonly Dictionary<string, HashSet<string>> _noOpForms = new() { ["main"] = [] };

        // Committed content of each branch's head, as git has it.
        private readonly Dictionary<string, SortedDictionary<string, string>> _committed = new() { ["main"] = new(StringComparer.Ordinal) };

        private readonly Dictionary<string, string> _gitOf = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _lakeOf = new(StringComparer.Ordinal);
        private string _checkedOut = "main";
        private int _commitsMade;

        public List<string> Log { get; } = [];

        public Coverage Coverage { get; } = new();

        public async Task StartAsync()
        {
            await DateNextCommitAsync(1);
            await git.RunAsync("commit", "-q", "--allow-empty", "-m", "Repository created");
            Map((await repo.GetBranchAsync("main")).Head, await git.RevParseAsync());
        }

        public async Task RandomStepAsync(int step)
        {
            var roll = random.Next(100);
            var branch = _branches[random.Next(_branches.Count)];
            if (roll < 6 && _branches.Count < BranchNames.Length)
            {
                await CreateBranchAsync(BranchNames[_branches.Count], branch);
            }
            else if (roll < 32)
            {
                await WriteAsync(branch, Paths[random.Next(Paths.Length)], Contents[random.Next(Contents.Length)]);
            }
            else if (roll < 40)
            {
                var visible = View(branch).Keys.ToList();
                if (visible.Count > 0)
                {
                    await DeleteAsync(branch, visible[random.Next(visible.Count)]);
                }
            }
            else if (roll < 54)
            {
                // Rows that change nothing, then (usually) an operation that must not take them for changes.
                var clean = _branches.Where(b => !IsDirty(b)).ToList();
                branch = clean.Count > 0 ? clean[random.Next(clean.Count)] : branch;
                await StageNoOpAsync(branch);
                switch (random.Next(4))
                {
                    case 0:
                        await RandomMergeAsync(branch, step);
                        break;
                    case 1:
                        await RandomApplyAsync(branch, revert: true, step);
                        break;
                    case 2:
                        await RandomApplyAsync(branch, revert: false, step);
                        break;
                }
            }
            else if (roll < 66)
            {
                await CommitAsync(branch, step);
            }
            else if (roll < 88)
            {
                await RandomMergeAsync(branch, step);
            }
            else
            {
                await RandomApplyAsync(branch, revert: roll < 94, step);
            }
        }

        private async Task RandomMergeAsync(string branch, int step)
        {
            if (_branches.Count < 2)
            {
                return;
            }
            var source = _branches.Where(b => b != branch).ElementAt(random.Next(_branches.Count - 1));
            // Merging a branch's previous commit as well as its head makes criss-cross histories likely.
            if (random.Next(3) == 0 && (await repo.GetCommitAsync(source)).Parents.Count > 0)
            {
                source += "~1";
            }
            var strategy = random.Next(4) switch { 0 => MergeStrategy.DestinationWins, 1 => MergeStrategy.SourceWins, _ => MergeStrategy.Fail };
            await MergeAsync(source, branch, strategy, step);
        }

        private async Task RandomApplyAsync(string branch, bool revert, int step)
        {
            var shas = (await git.RunAsync("rev-list", "--min-parents=1", revert ? branch : "--all"))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (shas.Length > 0)
            {
                var target = await repo.GetCommitAsync(_lakeOf[shas[random.Next(shas.Length)]]);
                int? parent = target.Parents.Count > 1 ? random.Next(1, target.Parents.Count + 1) : null;
                await ApplyAsync(branch, target, parent, revert, step);
            }
        }

        public async Task ScriptStepAsync(string line, int step)
        {
            var w = line.Split(' ');
            switch (w[0])
            {
                case "branch":
                    await CreateBranchAsync(w[1], w[2]);
                    break;
                case "write":
                    await WriteAsync(w[1], w[2], w[3]);
                    break;
                case "delete":
                    await DeleteAsync(w[1], w[2]);
                    break;
                case "commit":
                    await CommitAsync(w[1], step);
                    break;
                case "merge":
                    var strategy = w.Length < 4 ? MergeStrategy.Fail : w[3] == "ours" ? MergeStrategy.DestinationWins : MergeStrategy.SourceWins;
                    await MergeAsync(w[1], w[2], strategy, step);
                    break;
                case "revert" or "pick":
                    var target = await repo.GetCommitAsync(w[2]);
                    await ApplyAsync(w[1], target, w.Length > 3 ? int.Parse(w[3], System.Globalization.CultureInfo.InvariantCulture) : null, w[0] == "revert", step);
                    break;
                default:
                    throw new ArgumentException("Unknown script step: " + line, nameof(line));
            }
        }

        private async Task CreateBranchAsync(string name, string from)
        {
            Log.Add($"branch {name} from {from}");
            await repo.BranchAsync(name, from);
            await git.RunAsync("branch", name, from);
            _branches.Add(name);
            _pending[name] = new(StringComparer.Ordinal);
            _noOpForms[name] = [];
            await CheckOutAsync(name);
            _committed[name] = Text(git.ReadWorkingTree());
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

        /// <summary>
        /// Stages rows that leave the branch's view of one path as it was, in one of three ways. On a clean branch the
        /// view is the head's; on a dirty one (when every branch is dirty) the path is picked from the view, since a
        /// path the branch already deletes cannot be deleted again.
        /// </summary>
        private async Task StageNoOpAsync(string branch)
        {
            var visible = View(branch);
            var form = random.Next(3);
            if (form == 1 || visible.Count == 0)
            {
                var absent = Paths.Where(p => !visible.ContainsKey(p)).ToList();
                if (absent.Count > 0)
                {
                    var path = absent[random.Next(absent.Count)];
                    await WriteAsync(branch, path, Contents[random.Next(Contents.Length)]);
                    await DeleteAsync(branch, path);
                    _noOpForms[branch].Add("put-delete");
                }
                return;
            }
            var (existing, content) = visible.ElementAt(random.Next(visible.Count));
            if (form == 0)
            {
                await WriteAsync(branch, existing, content);
                _noOpForms[branch].Add("re-put");
            }
            else
            {
                await DeleteAsync(branch, existing);
                await WriteAsync(branch, existing, content);
                _noOpForms[branch].Add("delete-put");
            }
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

        /// <summary>Whether the branch shows anything its head does not: git's working tree would then be dirty.</summary>
        private bool IsDirty(string branch)
        {
            var view = View(branch);
            var committed = _committed[branch];
            return view.Count != committed.Count || view.Any(p => !committed.TryGetValue(p.Key, out var c) || c != p.Value);
        }

        private async Task CheckOutAsync(string branch)
        {
            if (_checkedOut != branch)
            {
                await git.RunAsync("checkout", "-q", branch);
                _checkedOut = branch;
            }
        }

        private void Map(string lakeId, string gitId)
        {
            _gitOf[lakeId] = gitId;
            _lakeOf[gitId] = lakeId;
        }

        /// <summary>
        /// git orders several merge bases by commit date and merges them oldest first; LakeFs by generation, then by
        /// content. Dating each git commit by its generation (then by creation) makes the two orders agree whenever
        /// the bases' generations differ.
        /// </summary>
        private async Task DateNextCommitAsync(params string[] parents)
        {
            long generation = 0;
            foreach (var parent in parents)
            {
                generation = Math.Max(generation, (await repo.GetCommitAsync(parent)).Generation);
            }
            await DateNextCommitAsync(generation + 1);
        }

        private Task DateNextCommitAsync(long generation)
        {
            git.CommitDate = Epoch.AddSeconds((generation * 100_000) + ++_commitsMade);
            return Task.CompletedTask;
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
            _noOpForms[branch].Clear();
            await git.RunAsync("add", "-A");
            await DateNextCommitAsync(branch);
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
                Map(commit.Id, await git.RevParseAsync());
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

        /// <summary>
        /// A branch that shows changes is refused (and then committed, so the operation can go on); one whose staged
        /// rows all change nothing is not: those rows are no uncommitted changes. Returns how they were staged.
        /// </summary>
        private async Task<string[]> PrepareAsync(string branch, int step, string operation, AsyncTestDelegate attempt)
        {
            if (IsDirty(branch))
            {
                var dirtyHead = (await repo.GetBranchAsync(branch)).Head;
                Assert.ThrowsAsync<DirtyBranchException>(attempt, $"{operation} onto a branch with changes");
                Assert.That((await repo.GetBranchAsync(branch)).Head, Is.EqualTo(dirtyHead));
                await CommitAsync(branch, step);
                return [];
            }
            Assert.That(await repo.DiffUncommittedAsync(branch).ToListAsync(), Is.Empty, "rows that change nothing are no uncommitted changes");
            var forms = _pending[branch].Count > 0 ? _noOpForms[branch].ToArray() : [];
            foreach (var form in forms)
            {
                Coverage.NoOpStaged[(operation, form)] = Coverage.NoOpStaged.GetValueOrDefault((operation, form)) + 1;
            }
            if (forms.Length > 0)
            {
                Log.Add("  (staged rows that change nothing: " + string.Join(", ", forms) + ")");
            }
            return forms;
        }

        /// <summary>After a LakeFs operation moved the branch's head as git's did: the staged rows that changed nothing are gone.</summary>
        private async Task MovedAsync(string branch, string head)
        {
            Map(head, await git.RevParseAsync());
            _committed[branch] = Text(git.ReadWorkingTree());
            _pending[branch].Clear();
            _noOpForms[branch].Clear();
            await CompareAsync(branch);
        }

        private async Task MergeAsync(string source, string destination, MergeStrategy strategy, int step)
        {
            Log.Add($"merge {source} into {destination}" + (strategy == MergeStrategy.Fail ? "" : $" ({strategy})"));
            var options = new MergeOptions { FastForward = FastForward.Never, Message = $"step {step}", Strategy = strategy };
            await PrepareAsync(destination, step, "merge", () => repo.MergeAsync(source, destination, options));
            await CheckOutAsync(destination);
            var headBefore = (await repo.GetBranchAsync(destination)).Head;
            var gitHeadBefore = await git.RevParseAsync();
            Assert.That(_gitOf[headBefore], Is.EqualTo(gitHeadBefore), "heads correspond before the merge");

            var gitBases = (await git.RunAsync("merge-base", "--all", destination, source))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var lakeBases = await repo.FindMergeBasesAsync(source, destination);
            Assert.That(lakeBases.Select(b => _gitOf[b.Id]).Order(StringComparer.Ordinal), Is.EqualTo(gitBases.Order(StringComparer.Ordinal)), "best common ancestors");
            Assert.That((await repo.FindMergeBaseAsync(destination, source))?.Id, Is.EqualTo(lakeBases[^1].Id), "the merge base is the last of the bases");

            List<Outcome> singleBaseOutcomes = [];
            if (lakeBases.Count > 1)
            {
                if (await OrderIsAmbiguousAsync(lakeBases))
                {
                    // git would merge these bases in the order of its commit dates, LakeFs in an order of its own.
                    Log.Add("  -> skipped: three or more merge bases of one generation");
                    Coverage.SkippedAmbiguous++;
                    return;
                }
                Log.Add("  (criss-cross: " + string.Join(", ", lakeBases.Select(b => b.Id[..8])) + ")");
                foreach (var single in lakeBases)
                {
                    singleBaseOutcomes.Add(await GitMergeWithBaseAsync(source, _gitOf[single.Id]));
                }
            }

            await DateNextCommitAsync(destination, source);
            var (upToDate, gitConflicts) = await GitMergeAsync(source, gitHeadBefore, options.Message);
            if (upToDate)
            {
                Log.Add("  -> already up to date");
                Assert.ThrowsAsync<NoChangesException>(() => repo.MergeAsync(source, destination, options), "git: already up to date");
                Assert.That((await repo.GetBranchAsync(destination)).Head, Is.EqualTo(headBefore));
                return;
            }
            if (lakeBases.Count > 1)
            {
                Coverage.CrissCrossMerges++;
                var outcome = new Outcome(gitConflicts, Merged(git.ReadWorkingTree(), gitConflicts));
                if (singleBaseOutcomes.Any(o => !o.Equals(outcome)))
                {
                    Log.Add("  (the result depends on the base)");
                    Coverage.BaseDependentMerges++;
                }
            }
            if (gitConflicts.Count > 0)
            {
                Log.Add("  -> git conflicts: " + string.Join(", ", gitConflicts));
                if (strategy == MergeStrategy.Fail)
                {
                    await git.RunAsync("merge", "--abort");
                    var error = Assert.ThrowsAsync<MergeConflictException>(() => repo.MergeAsync(source, destination, options), "git reported conflicts");
                    Assert.That(error!.Conflicts.Select(c => c.Path).Order(StringComparer.Ordinal), Is.EqualTo(gitConflicts), "conflicting paths");
                    Assert.That((await repo.GetBranchAsync(destination)).Head, Is.EqualTo(headBefore));
                    Assert.That(await git.RevParseAsync(), Is.EqualTo(gitHeadBefore));
                    await CompareAsync(destination);
                    return;
                }
                await GitResolveAsync(gitConflicts, strategy == MergeStrategy.DestinationWins, "MERGE_HEAD");
                await git.RunAsync("commit", "-q", "--no-edit", "-m", options.Message);
            }

            var result = await repo.MergeAsync(source, destination, options);
            Log.Add($"  -> merged {result.Head[..8]}");
            Assert.That(result.FastForwarded, Is.False);
            Assert.That(result.ConflictsResolved, Is.EqualTo(gitConflicts.Count), "conflicts the strategy resolved");
            Assert.That(result.Commit!.Parents, Is.EqualTo(new[] { headBefore, (await repo.GetCommitAsync(source)).Id }));
            await MovedAsync(destination, result.Head);
        }

        /// <summary>
        /// Revert (or cherry-pick) of <paramref name="target"/> onto <paramref name="branch"/>, in git with the same
        /// strategy, without committing, so that an empty result and conflicts can be told apart.
        /// </summary>
        private async Task ApplyAsync(string branch, Commit target, int? parent, bool revert, int step)
        {
            var operation = revert ? "revert" : "cherry-pick";
            Log.Add($"{operation} {target.Id[..8]}{(parent is null ? "" : $" -m {parent}")} onto {branch}");
            var options = new RevertOptions { ParentNumber = parent, Message = $"step {step}" };
            Task<Commit> Run() => revert ? repo.RevertAsync(branch, target.Id, options) : repo.CherryPickAsync(branch, target.Id, options);
            await PrepareAsync(branch, step, operation, Run);
            await CheckOutAsync(branch);
            var headBefore = (await repo.GetBranchAsync(branch)).Head;

            await DateNextCommitAsync(branch);
            List<string> arguments = [operation, "--no-commit", "--strategy=recursive", "--strategy-option=no-renames"];
            if (parent is { } number)
            {
                arguments.AddRange(["-m", number.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            }
            arguments.Add(_gitOf[target.Id]);
            var (exit, output, error) = await git.TryRunAsync([.. arguments]);
            var conflicts = await UnmergedPathsAsync();
            if (exit != 0 || conflicts.Count > 0)
            {
                Assert.That(conflicts, Is.Not.Empty, $"git {operation} failed without conflicts: {output}{error}");
                Log.Add("  -> git conflicts: " + string.Join(", ", conflicts));
                await git.RunAsync("reset", "-q", "--hard", "HEAD");
                var failure = Assert.ThrowsAsync<MergeConflictException>(Run, "git reported conflicts");
                Assert.That(failure!.Conflicts.Select(c => c.Path).Order(StringComparer.Ordinal), Is.EqualTo(conflicts), "conflicting paths");
                Assert.That((await repo.GetBranchAsync(branch)).Head, Is.EqualTo(headBefore));
                await CompareAsync(branch);
                return;
            }
            if ((await git.TryRunAsync("diff", "--cached", "--quiet", "HEAD")).ExitCode == 0)
            {
                Log.Add("  -> changes nothing");
                await git.RunAsync("reset", "-q", "--hard", "HEAD");
                Assert.ThrowsAsync<NoChangesException>(Run, $"git: the {operation} changes nothing");
                Assert.That((await repo.GetBranchAsync(branch)).Head, Is.EqualTo(headBefore));
                await CompareAsync(branch);
                return;
            }
            await git.RunAsync("commit", "-q", "-m", options.Message);
            var commit = await Run();
            Log.Add($"  -> {operation} {commit.Id[..8]}");
            if (revert)
            {
                Coverage.Reverts++;
            }
            else
            {
                Coverage.CherryPicks++;
            }
            await MovedAsync(branch, commit.Id);
        }

        /// <summary>git merge; returns whether it was already up to date, and the conflicting paths (left in place).</summary>
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
            return (false, conflicts);
        }

        /// <summary>Resolves git's conflicts the way LakeFs's DestinationWins (ours) or SourceWins (theirs) does: one side's version, or its delete.</summary>
        private async Task GitResolveAsync(List<string> conflicts, bool ours, string theirs)
        {
            foreach (var path in conflicts)
            {
                var side = ours ? "HEAD" : theirs;
                if ((await git.TryRunAsync("cat-file", "-e", $"{side}:{path}")).ExitCode == 0)
                {
                    await git.RunAsync("checkout", ours ? "--ours" : "--theirs", "--", path);
                    await git.RunAsync("add", "--", path);
                }
                else
                {
                    await git.RunAsync("rm", "-q", "--", path);
                }
            }
        }

        /// <summary>What merging <paramref name="source"/> against one given base would give (git's resolve strategy), leaving git as it was.</summary>
        private async Task<Outcome> GitMergeWithBaseAsync(string source, string mergeBase)
        {
            await git.RunAsync("read-tree", "-m", "-u", "--aggressive", mergeBase, "HEAD", source);
            await git.TryRunAsync("merge-index", "-o", "-q", "git-merge-one-file", "-a");
            var conflicts = await UnmergedPathsAsync();
            var outcome = new Outcome(conflicts, Merged(git.ReadWorkingTree(), conflicts));
            await git.RunAsync("reset", "-q", "--hard", "HEAD");
            return outcome;
        }

        /// <summary>
        /// Whether the merge order of the bases is one git may not share: somewhere in the recursion three or more
        /// bases have one generation, so git's date order and LakeFs's content order can differ (and with three or
        /// more, the order can change the result).
        /// </summary>
        private async Task<bool> OrderIsAmbiguousAsync(IReadOnlyList<Commit> bases)
        {
            if (bases.Count >= 3 && bases.Select(b => b.Generation).Distinct().Count() < bases.Count)
            {
                return true;
            }
            var heads = new List<Commit> { bases[0] };
            foreach (var next in bases.Skip(1))
            {
                if (await OrderIsAmbiguousAsync(await repo.Refs.FindMergeBasesAsync([.. heads.Select(h => h.Id)], next.Id, CancellationToken.None)))
                {
                    return true;
                }
                heads.Add(next);
            }
            return false;
        }

        private static string Merged(SortedDictionary<string, byte[]> tree, List<string> conflicts) =>
            string.Join("\n", tree.Where(f => !conflicts.Contains(f.Key)).Select(f => f.Key + "=" + Encoding.UTF8.GetString(f.Value)));

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

        /// <summary>
        /// git's checked-out tree against the branch's committed LakeFs tree, path by path; and what the branch shows
        /// (its staged rows over its head) against the model's view.
        /// </summary>
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
            Assert.That(await repo.ReadTextAsync(branch), Is.EqualTo(View(branch)), $"what {branch} shows with its staged rows");
        }

        private static SortedDictionary<string, string> Text(SortedDictionary<string, byte[]> files) =>
            new(files.ToDictionary(f => f.Key, f => Encoding.UTF8.GetString(f.Value)), StringComparer.Ordinal);
    }

    /// <summary>A merge outcome at path level: the conflicting paths and the merged content of every other path.</summary>
    private sealed record Outcome(List<string> Conflicts, string Merged)
    {
        public bool Equals(Outcome? other) => other is not null && Conflicts.SequenceEqual(other.Conflicts) && Merged == other.Merged;

        public override int GetHashCode() => Merged.GetHashCode(StringComparison.Ordinal);
    }
}
