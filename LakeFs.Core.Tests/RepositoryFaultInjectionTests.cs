using System.Globalization;
using System.Text;
using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.Storage;
using LakeFs.Core.Tests.TestSupport;
using LakeFs.Storage;
using LakeFs.Storage.Local;
using LakeFs.Storage.Memory;

namespace LakeFs.Core.Tests;

/// <summary>
/// A repository over an object store that fails at random (<see cref="FaultyObjectStore"/>: I/O errors, timeouts,
/// torn uploads, lost answers, reads broken part way, slow calls; sometimes also a cancellation a few milliseconds
/// in) agrees with a plain model of branches, commits and tags: every operation succeeds or fails with a
/// <see cref="LakeFsException"/> or <see cref="OperationCanceledException"/>; a failed one changes nothing (a commit
/// may have landed whole); every successful read agrees with the model; and with the faults off, everything
/// acknowledged is there and <see cref="Repository.VerifyAsync"/> with content checks finds nothing.
/// <para>
/// One case lets torn uploads leave their part behind (a partial file, as after a power cut at ProcessCrash): a tree
/// file written again must not be taken for the whole one (found by this test: commits referred to such leftovers).
/// </para>
/// <para>CI runs 4,500 operations; <c>LAKEFS_FAULT_OPS=10000</c> runs that many per case. A failure names the seed and step.</para>
/// </summary>
public sealed class RepositoryFaultInjectionTests
{
    [TestCase(16001, false, false, 1500)]
    [TestCase(16002, true, false, 1500)]
    [TestCase(16003, false, true, 500)]
    [TestCase(16004, false, false, 1000, true)]
    public async Task Every_operation_succeeds_or_fails_typed_and_nothing_acknowledged_is_lost(int seed, bool retrying, bool local, int operations, bool tornVisible = false)
    {
        if (Environment.GetEnvironmentVariable("LAKEFS_FAULT_OPS") is { } text)
        {
            operations = int.Parse(text, CultureInfo.InvariantCulture);
        }
        using var temp = new TempDirectory();
        var faulty = new FaultyObjectStore(local ? new LocalObjectStore(temp.Combine("objects")) : new MemoryObjectStore(), seed, faultRate: 0.2, tornVisible) { Enabled = false };
        IObjectStore store = retrying
            ? new RetryingObjectStore(faulty, new ObjectStoreRetryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(4) })
            : faulty;
        var options = new RepositoryOptions { ObjectStore = store, RefStore = new SqliteRefStoreOptions(temp.Combine("refs.db")), Tree = TestRepositories.SmallTree, CacheSizeBytes = 64 * 1024 };
        var run = new Run(new Random(seed), faulty);
        await using (var repo = await Repository.CreateAsync(options))
        {
            await run.InitializeAsync(repo);
            faulty.Enabled = true;
            for (var step = 0; step < operations; step++)
            {
                await run.StepAsync(repo, step);
                if (step % 500 == 499)
                {
                    await run.CheckEverythingAsync(repo, $"after step {step}");
                }
            }
            await run.CheckEverythingAsync(repo, "at the end");
        }
        faulty.Enabled = false;
        await using (var reopened = await Repository.OpenAsync(options))
        {
            await run.CheckEverythingAsync(reopened, "after reopening");
        }
        TestContext.Progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"seed {seed}{(retrying ? " retrying" : "")}{(tornVisible ? " torn-visible" : "")}{(local ? " local" : " memory")}: {operations} operations, {run.Succeeded} succeeded, {run.Failed} failed typed "
            + $"({string.Join(", ", run.Errors.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key} {e.Value}"))}), {faulty.Faults} faults injected, {run.Commits} commits"));
        Assert.That(run.Succeeded, Is.GreaterThan(operations / 3), "most operations get through");
        Assert.That(faulty.Faults, Is.GreaterThan(operations / 10), "faults were met");
    }

    private sealed class Run(Random random, FaultyObjectStore faulty)
    {
        private readonly Dictionary<string, (string Head, SortedDictionary<string, string> Working)> _branches = new(StringComparer.Ordinal);
        private readonly Dictionary<string, SortedDictionary<string, string>> _commits = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _tags = new(StringComparer.Ordinal);
        private readonly List<string> _history = [];

        public int Succeeded { get; private set; }

        public int Failed { get; private set; }

        public int Commits => _commits.Count;

        public Dictionary<string, int> Errors { get; } = new(StringComparer.Ordinal);

        public async Task InitializeAsync(Repository repo)
        {
            var main = await repo.GetBranchAsync("main");
            _commits[main.Head] = new(StringComparer.Ordinal);
            _branches["main"] = (main.Head, new(StringComparer.Ordinal));
        }

        private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

        private string PickBranch() => Pick(_branches.Keys.Order(StringComparer.Ordinal).ToList());

        public async Task StepAsync(Repository repo, int step)
        {
            using var cancel = random.Next(12) == 0 ? new CancellationTokenSource(TimeSpan.FromMilliseconds(random.Next(1, 15))) : null;
            var token = cancel?.Token ?? CancellationToken.None;
            var roll = random.Next(100);
            var branch = PickBranch();
            var path = $"d{random.Next(4)}/f{random.Next(12):D2}";
            var description = "";
            try
            {
                switch (roll)
                {
                    case < 35:
                        {
                            var content = Encoding.UTF8.GetBytes($"{step} {new string('x', random.Next(600))}");
                            description = $"put {branch} {path} ({content.Length} bytes)";
                            var info = await repo.PutObjectAsync(branch, path, new MemoryStream(content), cancellationToken: token);
                            Assert.That(info.Checksum, Is.EqualTo(TestRepositories.Sha256Hex(content)));
                            _branches[branch].Working[path] = info.Checksum;
                            break;
                        }
                    case < 45:
                        description = $"delete {branch} {path}";
                        if (!_branches[branch].Working.ContainsKey(path))
                        {
                            Assert.That(async () => await repo.DeleteObjectAsync(branch, path, token), Throws.InstanceOf<ObjectNotFoundException>()
                                .Or.InstanceOf<LakeFsException>().Or.InstanceOf<OperationCanceledException>());
                            break;
                        }
                        await repo.DeleteObjectAsync(branch, path, token);
                        _branches[branch].Working.Remove(path);
                        break;
                    case < 60:
                        {
                            description = $"commit {branch}";
                            var (head, working) = _branches[branch];
                            var commit = await repo.CommitAsync(branch, $"step {step}", new CommitOptions { AllowEmpty = true }, token);
                            Assert.That(commit.Parents[0], Is.EqualTo(head));
                            _commits[commit.Id] = new(working, StringComparer.Ordinal);
                            _branches[branch] = (commit.Id, working);
                            break;
                        }
                    case < 65:
                        {
                            if (_branches.Count >= 5)
                            {
                                description = "read branch list";
                                var listed = await repo.ListBranchesAsync(token).ToListAsync();
                                Assert.That(listed.Select(b => (b.Name, b.Head)), Is.EquivalentTo(_branches.Select(b => (b.Key, b.Value.Head))));
                                break;
                            }
                            var name = $"b{step}";
                            description = $"branch {name} from {branch}";
                            await repo.BranchAsync(name, branch, token);
                            var head = _branches[branch].Head;
                            _branches[name] = (head, new(_commits[head], StringComparer.Ordinal));
                            break;
                        }
                    case < 69:
                        {
                            var name = $"t{step}";
                            var head = _branches[branch].Head;
                            description = $"tag {name} at {branch}";
                            await repo.TagAsync(name, branch, token);
                            _tags[name] = head;
                            break;
                        }
                    case < 74:
                        {
                            description = $"reset {branch}";
                            await repo.ResetAsync(branch, token);
                            var head = _branches[branch].Head;
                            _branches[branch] = (head, new(_commits[head], StringComparer.Ordinal));
                            break;
                        }
                    case < 90:
                        {
                            var (@ref, view) = PickRef(branch);
                            description = $"read {@ref} {path}";
                            if (view.TryGetValue(path, out var checksum))
                            {
                                Assert.That(TestRepositories.Sha256Hex(await ReadAsync(repo, @ref, path, token)), Is.EqualTo(checksum));
                            }
                            else
                            {
                                Assert.That(async () => await repo.StatObjectAsync(@ref, path, token), Throws.InstanceOf<LakeFsException>().Or.InstanceOf<OperationCanceledException>());
                            }
                            break;
                        }
                    case < 94:
                        {
                            // Merges are checked against git's rules elsewhere; here: it lands whole or not at all.
                            var source = PickBranch();
                            var (head, working) = _branches[branch];
                            description = $"merge {source} into {branch}";
                            if (source == branch || !working.SequenceEqual(_commits[head]))
                            {
                                break;
                            }
                            var result = await repo.MergeAsync(source, branch, new MergeOptions { Strategy = MergeStrategy.SourceWins, FastForward = FastForward.Never, AllowEmpty = true }, token);
                            var merged = await ListAsync(repo, result.Head);
                            Assert.That(await ListAsync(repo, branch), Is.EqualTo(merged));
                            Assert.That((await repo.GetCommitAsync(result.Head)).Parents, Is.EqualTo(new[] { head, _branches[source].Head }));
                            _commits[result.Head] = merged;
                            _branches[branch] = (result.Head, new(merged, StringComparer.Ordinal));
                            break;
                        }
                    default:
                        {
                            var (@ref, view) = PickRef(branch);
                            description = $"list {@ref}";
                            var listed = new SortedDictionary<string, string>(StringComparer.Ordinal);
                            await foreach (var item in repo.ListObjectsAsync(@ref, cancellationToken: token))
                            {
                                listed[item.Path] = item.Object!.Checksum;
                            }
                            Assert.That(listed, Is.EqualTo(view));
                            break;
                        }
                }
                Succeeded++;
                _history.Add(description);
            }
            catch (Exception e) when (e is LakeFsException or OperationCanceledException)
            {
                Failed++;
                Errors[e.GetType().Name] = Errors.GetValueOrDefault(e.GetType().Name) + 1;
                _history.Add($"{description} -> {e.GetType().Name}: {e.Message}");
                await CheckFailedChangedNothingAsync(repo, roll, branch, step, e);
            }
            catch (Exception e) when (e is not AssertionException)
            {
                throw new AssertionException($"Step {step} ({description}) failed with an untyped {e.GetType().Name}: {e}\nLast steps:\n  {string.Join("\n  ", _history.TakeLast(15))}", e);
            }
            catch (AssertionException e)
            {
                throw new AssertionException($"Step {step} ({description}) disagrees with the model: {e.Message}\nLast steps:\n  {string.Join("\n  ", _history.TakeLast(15))}", e);
            }
        }

        private (string Ref, SortedDictionary<string, string> View) PickRef(string branch)
        {
            var (head, working) = _branches[branch];
            return random.Next(3) switch
            {
                0 => (branch, working),
                1 => (head, _commits[head]),
                _ when _tags.Count > 0 => Pick(_tags.Select(t => (t.Key, _commits[t.Value])).ToList()),
                _ => (branch + "@", _commits[head]),
            };
        }

        /// <summary>A failed operation left the branch as the model has it; a commit may have landed whole (its answer lost), and is adopted.</summary>
        private async Task CheckFailedChangedNothingAsync(Repository repo, int roll, string branch, int step, Exception error)
        {
            var enabled = faulty.Enabled;
            faulty.Enabled = false;
            try
            {
                var (head, working) = _branches[branch];
                var actual = await repo.GetBranchAsync(branch);
                if (roll is (>= 45 and < 60) or (>= 90 and < 94) && actual.Head != head)
                {
                    var commit = await repo.GetCommitAsync(actual.Head);
                    Assert.That(commit.Parents[0], Is.EqualTo(head), $"step {step}: a failed commit ({error.Message}) moved the head elsewhere");
                    working = roll < 60 ? working : await ListAsync(repo, commit.Id);
                    _commits[commit.Id] = new(working, StringComparer.Ordinal);
                    _branches[branch] = (commit.Id, working);
                    _history.Add($"  (commit {commit.Id[..8]} landed)");
                    head = commit.Id;
                }
                if (roll is >= 69 and < 74 && _commits[head].SequenceEqual(await ListAsync(repo, branch)))
                {
                    // A reset whose answer was lost: it took effect whole.
                    _branches[branch] = (head, new(_commits[head], StringComparer.Ordinal));
                    working = _branches[branch].Working;
                }
                Assert.That(actual.Head, Is.EqualTo(head).Or.EqualTo(_branches[branch].Head), $"step {step}: the head after a failed operation ({error.Message})");
                Assert.That(await ListAsync(repo, branch), Is.EqualTo(working), $"step {step}: the branch after a failed operation ({error.Message})\nLast steps:\n  {string.Join("\n  ", _history.TakeLast(15))}");
            }
            finally
            {
                faulty.Enabled = enabled;
            }
        }

        private static async Task<SortedDictionary<string, string>> ListAsync(Repository repo, string @ref)
        {
            var listed = new SortedDictionary<string, string>(StringComparer.Ordinal);
            await foreach (var item in repo.ListObjectsAsync(@ref))
            {
                listed[item.Path] = item.Object!.Checksum;
            }
            return listed;
        }

        private static async Task<byte[]> ReadAsync(Repository repo, string @ref, string path, CancellationToken token)
        {
            var stream = await repo.OpenReadAsync(@ref, path, cancellationToken: token);
            await using (stream)
            {
                using var copy = new MemoryStream();
                await stream.CopyToAsync(copy, token);
                return copy.ToArray();
            }
        }

        /// <summary>With the faults off: every branch, commit and tag as the model has it, every object's bytes, and a clean VerifyAsync.</summary>
        public async Task CheckEverythingAsync(Repository repo, string when)
        {
            var enabled = faulty.Enabled;
            faulty.Enabled = false;
            try
            {
                var branches = await repo.ListBranchesAsync().ToListAsync();
                Assert.That(branches.Select(b => (b.Name, b.Head)), Is.EquivalentTo(_branches.Select(b => (b.Key, b.Value.Head))), when);
                foreach (var (name, (_, working)) in _branches)
                {
                    Assert.That(await ListAsync(repo, name), Is.EqualTo(working), $"{when}: branch {name}");
                    foreach (var (path, checksum) in working)
                    {
                        Assert.That(TestRepositories.Sha256Hex(await ReadAsync(repo, name, path, CancellationToken.None)), Is.EqualTo(checksum), $"{when}: {name} {path}");
                    }
                }
                foreach (var (id, snapshot) in _commits)
                {
                    Assert.That(await ListAsync(repo, id), Is.EqualTo(snapshot), $"{when}: commit {id}");
                }
                var tags = await repo.ListTagsAsync().ToListAsync();
                Assert.That(tags.Select(t => (t.Name, t.CommitId)), Is.EquivalentTo(_tags.Select(t => (t.Key, t.Value))), when);
                var report = await repo.VerifyAsync(new VerifyOptions { CheckContent = true });
                Assert.That(report.Problems, Is.Empty, $"{when}: " + string.Join("\n", report.Problems.Select(p => $"{p.Kind}: {p.Message}")));
            }
            finally
            {
                faulty.Enabled = enabled;
            }
        }
    }
}
