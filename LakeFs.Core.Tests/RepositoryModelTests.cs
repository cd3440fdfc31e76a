using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.TestSupport;
using LakeFs.Storage.Memory;
using Microsoft.Extensions.Time.Testing;

namespace LakeFs.Core.Tests;

/// <summary>
/// A repository driven by random operation sequences agrees with a plain in-memory model: a working view per
/// branch (what the branch shows, staged changes included) and an immutable snapshot per commit.
/// A scenario is a seed plus a length; the operations come from <see cref="Random"/> seeded with it, so a
/// failing scenario shrinks to the shortest failing prefix and replays from the printed seed.
/// </summary>
public sealed class RepositoryModelTests
{
    public sealed record Scenario(int Seed, int Length);

    public static class Scenarios
    {
        public static Arbitrary<Scenario> Arbitrary() =>
            Arb.From(
                from seed in Gen.Choose(0, int.MaxValue)
                from length in Gen.Choose(10, 30)
                select new Scenario(seed, length),
                s => s.Length > 1 ? [s with { Length = s.Length / 2 }, s with { Length = s.Length - 1 }] : []);
    }

    [FsCheck.NUnit.Property(MaxTest = 15, Arbitrary = [typeof(Scenarios)])]
    public void Local_repository_agrees_with_the_model(Scenario scenario)
    {
        RunAsync(scenario, memory: false).GetAwaiter().GetResult();
    }

    [FsCheck.NUnit.Property(MaxTest = 20, Arbitrary = [typeof(Scenarios)])]
    public void Memory_store_repository_agrees_with_the_model(Scenario scenario)
    {
        RunAsync(scenario, memory: true).GetAwaiter().GetResult();
    }

    // Fewer runs on PostgreSQL: every call is a round trip to the server, and the suite's time is shared.
    [FsCheck.NUnit.Property(MaxTest = 6, Arbitrary = [typeof(Scenarios)])]
    public void PostgreSql_ref_store_repository_agrees_with_the_model(Scenario scenario)
    {
        RunAsync(scenario, memory: true, refs: RefStoreKind.PostgreSql).GetAwaiter().GetResult();
    }

    [Test]
    public async Task Fixed_long_scenario_agrees_with_the_model()
    {
        await RunAsync(new Scenario(20261125, 60), memory: false);
    }

    /// <summary>
    /// Runs a scenario on a local folder, a memory store, or (when given) <paramref name="store"/>, with refs in SQLite
    /// or in a fresh PostgreSQL schema.
    /// </summary>
    internal static async Task RunAsync(Scenario scenario, bool memory, LakeFs.Storage.IObjectStore? store = null, RefStoreKind refs = RefStoreKind.Sqlite)
    {
        using var temp = new TempDirectory();
        using var refStore = new TestRefStore(refs);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var options = store is not null
            ? new RepositoryOptions { ObjectStore = store, RefStore = refStore.Options(temp.Path) }
            : memory
            ? new RepositoryOptions { ObjectStore = new MemoryObjectStore(), RefStore = refStore.Options(temp.Path) }
            : refStore.Local(temp.Path);
        var repo = await Repository.CreateAsync(options with { Tree = TestRepositories.SmallTree, TimeProvider = time });
        await using (repo)
        {
            var run = new ModelRun(repo, time, new Random(scenario.Seed));
            await run.InitializeAsync();
            for (var step = 0; step < scenario.Length; step++)
            {
                await run.StepAsync(step);
            }
            await run.VerifyEverythingAsync();
        }
    }

    private sealed record Obj(byte[] Content, string ContentType, SortedDictionary<string, string> Metadata)
    {
        public string Checksum { get; } = TestRepositories.Sha256Hex(Content);

        public bool SameIdentity(Obj other) =>
            Content.AsSpan().SequenceEqual(other.Content) && ContentType == other.ContentType && Metadata.SequenceEqual(other.Metadata);

        public string Describe() =>
            $"{Content.Length}:{Checksum[..8]}:{ContentType}:{string.Join(',', Metadata.Select(kv => kv.Key + "=" + kv.Value))}";
    }

    private sealed class ModelBranch(string head, SortedDictionary<string, Obj> working)
    {
        public string Head { get; set; } = head;

        public SortedDictionary<string, Obj> Working { get; } = working;
    }

    private sealed class ModelRun(Repository repo, FakeTimeProvider time, Random random)
    {
        private static readonly string[] SmallPaths = ["a", "a/b", "a/c", "a/b/c", "a-b", "a0", "b", "b/x/y", "c.txt", "z/z"];
        private static readonly string[] BranchNames = ["main", "b1", "b2", "feat/x"];
        private static readonly string[] TagNames = ["v1", "v2", "rel/a"];
        private static readonly string[] Prefixes = ["", "a", "a/", "a/b", "b/", "d/", "d/1", "zz"];
        private static readonly string[] ContentTypes = ["text/plain", "application/json"];

        private readonly Dictionary<string, ModelBranch> _branches = new(StringComparer.Ordinal);
        private readonly Dictionary<string, SortedDictionary<string, Obj>> _commits = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string?> _parents = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _tags = new(StringComparer.Ordinal);
        private readonly List<string> _history = [];

        public async Task InitializeAsync()
        {
            var main = await repo.GetBranchAsync("main");
            _commits[main.Head] = NewView();
            _parents[main.Head] = null;
            _branches["main"] = new ModelBranch(main.Head, NewView());
        }

        public async Task StepAsync(int step)
        {
            var roll = random.Next(100);
            string description = "?";
            try
            {
                description = roll switch
                {
                    < 30 => await PutAsync(),
                    < 36 => await PutManyAsync(),
                    < 48 => await DeleteAsync(),
                    < 56 => await CreateBranchAsync(),
                    < 59 => await DeleteBranchAsync(),
                    < 75 => await CommitAsync(),
                    < 81 => await TagAsync(),
                    < 91 => await ReadAsync(),
                    _ => await ListAsync(),
                };
                _history.Add(description);
                await VerifyStepAsync();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new AssertionException(
                    $"Step {step} ({description}) disagrees with the model: {e.Message}\nHistory:\n  {string.Join("\n  ", _history)}", e);
            }
        }

        private static SortedDictionary<string, Obj> NewView() => new(StringComparer.Ordinal);

        private static SortedDictionary<string, Obj> Copy(SortedDictionary<string, Obj> view) => new(view, StringComparer.Ordinal);

        private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

        private string PickBranch() => Pick(_branches.Keys.Order(StringComparer.Ordinal).ToList());

        private Obj RandomObj()
        {
            var content = new byte[random.Next(0, 48)];
            for (var i = 0; i < content.Length; i++)
            {
                content[i] = (byte)"abc\n"[random.Next(4)];
            }
            var contentType = random.Next(4) == 0 ? Pick(ContentTypes) : "application/octet-stream";
            var metadata = new SortedDictionary<string, string>(StringComparer.Ordinal);
            switch (random.Next(5))
            {
                case 0:
                    metadata["k"] = "v1";
                    break;
                case 1:
                    metadata["k"] = "v2";
                    metadata["z"] = "1";
                    break;
            }
            return new Obj(content, contentType, metadata);
        }

        private async Task<ObjectInfo> PutObjAsync(string branch, string path, Obj obj, bool ifNoneMatch)
        {
            using var content = new MemoryStream(obj.Content);
            var options = new PutObjectOptions
            {
                // Leave the default content type implicit half of the time: both spellings must be the same identity.
                ContentType = obj.ContentType == "application/octet-stream" && random.Next(2) == 0 ? null : obj.ContentType,
                Metadata = obj.Metadata.Count == 0 && random.Next(2) == 0 ? null : obj.Metadata,
                IfNoneMatch = ifNoneMatch,
            };
            return await repo.PutObjectAsync(branch, path, content, options);
        }

        private async Task<string> PutAsync()
        {
            var branch = PickBranch();
            var path = Pick(SmallPaths);
            var working = _branches[branch].Working;
            // Sometimes write exactly what is there already: not a change in identity terms.
            var obj = working.TryGetValue(path, out var existing) && random.Next(4) == 0 ? existing with { } : RandomObj();
            var ifNoneMatch = random.Next(6) == 0;
            var description = $"put {branch} {path} {obj.Describe()}{(ifNoneMatch ? " if-none-match" : "")}";
            if (ifNoneMatch && existing is not null)
            {
                Assert.ThrowsAsync<ObjectAlreadyExistsException>(async () => await PutObjAsync(branch, path, obj, ifNoneMatch));
                return description + " -> exists";
            }
            var info = await PutObjAsync(branch, path, obj, ifNoneMatch);
            AssertInfo(info, path, obj);
            working[path] = obj;
            return description;
        }

        private async Task<string> PutManyAsync()
        {
            var branch = PickBranch();
            var count = random.Next(5, 25);
            var first = random.Next(0, 40);
            for (var i = 0; i < count; i++)
            {
                var path = "d/" + ((first + i) % 40).ToString("D2", CultureInfo.InvariantCulture);
                var obj = RandomObj();
                await PutObjAsync(branch, path, obj, ifNoneMatch: false);
                _branches[branch].Working[path] = obj;
            }
            return $"put-many {branch} d/{first:D2} x{count}";
        }

        private async Task<string> DeleteAsync()
        {
            var branch = PickBranch();
            var working = _branches[branch].Working;
            var path = working.Count > 0 && random.Next(4) != 0 ? Pick(working.Keys.ToList()) : Pick(SmallPaths);
            if (!working.ContainsKey(path))
            {
                Assert.ThrowsAsync<ObjectNotFoundException>(async () => await repo.DeleteObjectAsync(branch, path));
                return $"delete {branch} {path} -> not found";
            }
            await repo.DeleteObjectAsync(branch, path);
            working.Remove(path);
            return $"delete {branch} {path}";
        }

        /// <summary>A ref expression naming some commit, and that commit.</summary>
        private (string Ref, string CommitId) PickSource()
        {
            var branch = PickBranch();
            var head = _branches[branch].Head;
            switch (random.Next(6))
            {
                case 0 when _tags.Count > 0:
                    var tag = Pick(_tags.Keys.Order(StringComparer.Ordinal).ToList());
                    return (tag, _tags[tag]);
                case 1:
                    var id = Pick(_commits.Keys.Order(StringComparer.Ordinal).ToList());
                    return (id, id);
                case 2:
                    var prefixed = Pick(_commits.Keys.Order(StringComparer.Ordinal).ToList());
                    return (prefixed[..10], prefixed);
                case 3 when _parents[head] is { } parent:
                    return (branch + "~1", parent);
                case 4:
                    return (branch + "@", head);
                default:
                    return (branch, head);
            }
        }

        private async Task<string> CreateBranchAsync()
        {
            var name = Pick(BranchNames);
            var (source, commitId) = PickSource();
            if (_branches.ContainsKey(name))
            {
                Assert.ThrowsAsync<BranchAlreadyExistsException>(async () => await repo.BranchAsync(name, source));
                return $"branch {name} from {source} -> exists";
            }
            var created = await repo.BranchAsync(name, source);
            Assert.That(created, Is.EqualTo(new BranchInfo { Name = name, Head = commitId }));
            _branches[name] = new ModelBranch(commitId, Copy(_commits[commitId]));
            return $"branch {name} from {source} ({commitId[..8]})";
        }

        private async Task<string> DeleteBranchAsync()
        {
            var name = Pick(BranchNames);
            if (name == "main")
            {
                Assert.ThrowsAsync<ProtectedBranchException>(async () => await repo.DeleteBranchAsync(name));
                return "delete-branch main -> protected";
            }
            if (!_branches.ContainsKey(name))
            {
                Assert.ThrowsAsync<BranchNotFoundException>(async () => await repo.DeleteBranchAsync(name));
                return $"delete-branch {name} -> not found";
            }
            await repo.DeleteBranchAsync(name);
            _branches.Remove(name);
            Assert.CatchAsync<RefNotFoundException>(async () => await repo.StatObjectAsync(name, "a"));
            Assert.ThrowsAsync<BranchNotFoundException>(async () => await repo.PutObjectAsync(name, "a", new MemoryStream([1])));
            return $"delete-branch {name}";
        }

        private async Task<string> CommitAsync()
        {
            var branch = PickBranch();
            var model = _branches[branch];
            var committed = _commits[model.Head];
            var changed = committed.Keys.Union(model.Working.Keys)
                .Count(p => !(committed.TryGetValue(p, out var a) && model.Working.TryGetValue(p, out var b) && a.SameIdentity(b)));
            time.Advance(TimeSpan.FromSeconds(1));
            var message = $"commit {_history.Count} on {branch}";
            if (changed == 0)
            {
                Assert.ThrowsAsync<NoChangesException>(async () => await repo.CommitAsync(branch, message));
                Assert.That((await repo.GetBranchAsync(branch)).Head, Is.EqualTo(model.Head), "a refused commit moved the head");
                return $"commit {branch} -> no changes";
            }
            var commit = await repo.CommitAsync(branch, message);
            Assert.Multiple(() =>
            {
                Assert.That(commit.Parents, Is.EqualTo(new[] { model.Head }));
                Assert.That(commit.Message, Is.EqualTo(message));
                Assert.That(commit.Statistics, Is.Not.Null);
                Assert.That(commit.Statistics!.Changes, Is.EqualTo(changed), "changes counted by the commit");
                Assert.That(_commits, Does.Not.ContainKey(commit.Id), "a new commit reused an existing id");
            });
            Assert.That((await repo.GetBranchAsync(branch)).Head, Is.EqualTo(commit.Id));
            _commits[commit.Id] = Copy(model.Working);
            _parents[commit.Id] = model.Head;
            model.Head = commit.Id;
            return $"commit {branch} ({changed} changes) -> {commit.Id[..8]}";
        }

        private async Task<string> TagAsync()
        {
            var name = Pick(TagNames);
            var (source, commitId) = PickSource();
            if (_tags.ContainsKey(name))
            {
                Assert.ThrowsAsync<TagAlreadyExistsException>(async () => await repo.TagAsync(name, source));
                return $"tag {name} at {source} -> exists";
            }
            var tag = await repo.TagAsync(name, source);
            Assert.That(tag, Is.EqualTo(new TagInfo { Name = name, CommitId = commitId }));
            _tags[name] = commitId;
            return $"tag {name} at {source} ({commitId[..8]})";
        }

        /// <summary>A ref expression for reading, and the view a reader of it must see.</summary>
        private (string Ref, SortedDictionary<string, Obj> View) PickReadRef()
        {
            var branch = PickBranch();
            var model = _branches[branch];
            switch (random.Next(4))
            {
                case 0:
                    return (branch, model.Working);
                case 1:
                    return (branch + "@", _commits[model.Head]);
                default:
                    var (source, id) = PickSource();
                    return (source, ViewOf(source, id));
            }
        }

        /// <summary>What a reader of a source ref sees: a bare branch shows its staged changes, anything else the commit.</summary>
        private SortedDictionary<string, Obj> ViewOf(string source, string commitId) =>
            _branches.TryGetValue(source, out var branch) ? branch.Working : _commits[commitId];

        private async Task<string> ReadAsync()
        {
            var (@ref, view) = PickReadRef();
            var path = Pick(SmallPaths.Concat(view.Keys).ToList());
            await VerifyPathAsync(@ref, view, path);
            return $"read {@ref} {path}";
        }

        private async Task<string> ListAsync()
        {
            var (@ref, view) = PickReadRef();
            await VerifyListingAsync(@ref, view);
            return $"list {@ref}";
        }

        private async Task VerifyStepAsync()
        {
            var branch = PickBranch();
            var model = _branches[branch];
            await VerifyRefAsync(branch, model.Working, full: false);
            await VerifyRefAsync(branch + "@", _commits[model.Head], full: false);
            var (source, id) = PickSource();
            await VerifyRefAsync(source, ViewOf(source, id), full: false);
        }

        public async Task VerifyEverythingAsync()
        {
            var branches = await repo.ListBranchesAsync().ToListAsync();
            Assert.That(branches, Is.EqualTo(_branches.OrderBy(b => b.Key, StringComparer.Ordinal).Select(b => new BranchInfo
            {
                Name = b.Key,
                Head = b.Value.Head,
            })));
            var tags = await repo.ListTagsAsync().ToListAsync();
            Assert.That(tags, Is.EqualTo(_tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new TagInfo
            {
                Name = t.Key,
                CommitId = t.Value,
            })));
            foreach (var (name, model) in _branches)
            {
                await VerifyRefAsync(name, model.Working, full: true);
                await VerifyRefAsync(name + "@", _commits[model.Head], full: true);
            }
            foreach (var (id, view) in _commits)
            {
                await VerifyRefAsync(id, view, full: true);
                var commit = await repo.GetCommitAsync(id);
                Assert.That(commit.Parents, Is.EqualTo(_parents[id] is { } parent ? new[] { parent } : Array.Empty<string>()));
            }
            foreach (var (name, id) in _tags)
            {
                await VerifyRefAsync(name, _commits[id], full: true);
            }
        }

        private async Task VerifyRefAsync(string @ref, SortedDictionary<string, Obj> view, bool full)
        {
            var all = await repo.ListObjectsAsync(@ref).ToListAsync();
            Assert.That(all.Select(i => i.Path), Is.EqualTo(view.Keys), $"listing of {@ref}");
            foreach (var item in all)
            {
                AssertInfo(item.Object!, item.Path, view[item.Path]);
            }
            await VerifyListingAsync(@ref, view);
            var paths = full ? SmallPaths.Concat(view.Keys).Distinct().ToList() : [Pick(SmallPaths), Pick(SmallPaths)];
            foreach (var path in paths)
            {
                await VerifyPathAsync(@ref, view, path);
            }
        }

        private async Task VerifyPathAsync(string @ref, SortedDictionary<string, Obj> view, string path)
        {
            if (!view.TryGetValue(path, out var expected))
            {
                Assert.ThrowsAsync<ObjectNotFoundException>(async () => await repo.StatObjectAsync(@ref, path), $"stat {@ref} {path}");
                Assert.ThrowsAsync<ObjectNotFoundException>(async () => await repo.OpenReadAsync(@ref, path), $"read {@ref} {path}");
                return;
            }
            AssertInfo(await repo.StatObjectAsync(@ref, path), path, expected);
            Assert.That(await repo.ReadBytesAsync(@ref, path), Is.EqualTo(expected.Content), $"bytes of {@ref} {path}");
        }

        private async Task VerifyListingAsync(string @ref, SortedDictionary<string, Obj> view)
        {
            var prefix = Pick(Prefixes);
            var delimiter = random.Next(2) == 0 ? "/" : null;
            var after = random.Next(3) switch
            {
                0 => null,
                1 => Pick(SmallPaths.Concat(Prefixes).ToList()),
                _ => view.Count > 0 ? Pick(view.Keys.ToList()) : null,
            };
            var actual = await repo.ListObjectsAsync(@ref, prefix, delimiter, after).ToListAsync();
            var expected = ExpectedListing(view, prefix, delimiter, after);
            Assert.That(
                actual.Select(i => i.IsCommonPrefix ? i.Path + " (prefix)" : i.Path + " " + i.Object!.Checksum[..8]),
                Is.EqualTo(expected.Select(e => e.IsPrefix ? e.Path + " (prefix)" : e.Path + " " + view[e.Path].Checksum[..8])),
                $"listing of {@ref} prefix '{prefix}' delimiter '{delimiter}' after '{after}'");
        }

        /// <summary>S3 semantics: keys under the prefix, after 'after', folded at the first delimiter past the prefix.</summary>
        private static List<(string Path, bool IsPrefix)> ExpectedListing(SortedDictionary<string, Obj> view, string prefix, string? delimiter, string? after)
        {
            var items = new List<(string Path, bool IsPrefix)>();
            foreach (var key in view.Keys)
            {
                if (!key.StartsWith(prefix, StringComparison.Ordinal) || (after is not null && string.CompareOrdinal(key, after) <= 0))
                {
                    continue;
                }
                var cut = delimiter is null ? -1 : key.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
                var item = cut < 0 ? (key, false) : (key[..(cut + delimiter!.Length)], true);
                if ((after is null || string.CompareOrdinal(item.Item1, after) > 0) && !items.Contains(item))
                {
                    items.Add(item);
                }
            }
            return items;
        }

        private static void AssertInfo(ObjectInfo info, string path, Obj expected)
        {
            Assert.Multiple(() =>
            {
                Assert.That(info.Path, Is.EqualTo(path));
                Assert.That(info.Size, Is.EqualTo(expected.Content.Length), $"size of {path}");
                Assert.That(info.Checksum, Is.EqualTo(expected.Checksum), $"checksum of {path}");
                Assert.That(info.ContentType, Is.EqualTo(expected.ContentType), $"content type of {path}");
                Assert.That(info.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal), Is.EqualTo(expected.Metadata), $"metadata of {path}");
            });
        }
    }
}
