using System.Reflection;
using System.Text;
using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.TestSupport;
using LakeFs.Storage.Memory;
using Microsoft.Extensions.Time.Testing;

namespace LakeFs.Core.Tests;

/// <summary>Bad input gets a specific typed exception, and nothing observable about the repository changes.</summary>
public sealed class RepositoryBadInputTests
{
    private static readonly string[] BadNames = [" ", "a..b", "-x", ".x", "a/", "a.", "a//b", "a b", "a~b", "a^b", "a@b", "a:b", "a\\b", "a*", "a?b", "ä", new string('n', 257)];

    private static readonly string[] BadPaths = ["a/../b", "../a", "..", ".", "./a", "a/./b", "a/..", "/abs", "a\0b", new string('p', 1025), new string('é', 513)];

    private static readonly string[] UnknownRefs = ["nope", "feature", "main~99", "main^2", "v1~5", "dead", "deadbeef", new string('a', 64), "nope@", "nope~1"];

    private static readonly string[] MalformedRefs = ["@", "main@@", "~1", "^", "main~x", "main@~1x", "ma@in"];

    private TempDirectory _temp = null!;
    private Repository _repo = null!;
    private string _before = "";
    private string _input = "";

    [SetUp]
    public async Task SetUpAsync()
    {
        _temp = new TempDirectory();
        // A fixed clock makes commit ids deterministic, so the made-up id prefixes below never match by chance.
        _repo = await TestRepositories.CreateLocalAsync(_temp.Path, new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        await _repo.PutTextAsync("main", "a/one.txt", "one");
        await _repo.PutTextAsync("main", "a/two.txt", "two");
        await _repo.CommitAsync("main", "first");
        await _repo.TagAsync("v1", "main");
        await _repo.BranchAsync("dev", "main");
        await _repo.PutTextAsync("dev", "b/three.txt", "three");
        await _repo.CommitAsync("dev", "second");
        await _repo.BranchAsync("clean", "dev");
        await _repo.PutTextAsync("main", "staged.txt", "staged");
        await _repo.DeleteObjectAsync("dev", "a/one.txt");
        _before = await _repo.SnapshotAsync();
    }

    [TearDown]
    public async Task TearDownAsync()
    {
        await _repo.DisposeAsync();
        _temp.Dispose();
    }

    private async Task AssertUnchangedAsync()
    {
        Assert.That(await _repo.SnapshotAsync(), Is.EqualTo(_before), "the repository changed after a rejected call");
    }

    private async Task RejectsAsync<TException>(Func<Task> call, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(call))] string what = "")
        where TException : Exception
    {
        Exception? thrown = null;
        try
        {
            await call();
        }
        catch (Exception e)
        {
            thrown = e;
        }
        Assert.That(thrown, Is.TypeOf<TException>(), $"{what} with input '{_input}'");
        Assert.That(thrown!.Message, Is.Not.Empty);
        await AssertUnchangedAsync();
    }

    [Test]
    public async Task Invalid_branch_names_are_rejected()
    {
        foreach (var name in BadNames)
        {
            _input = name;
            await RejectsAsync<InvalidNameException>(() => _repo.BranchAsync(name, "main"));
            await RejectsAsync<InvalidNameException>(() => _repo.PutTextAsync(name, "x", "x"));
            await RejectsAsync<InvalidNameException>(() => _repo.CommitAsync(name, "msg"));
            await RejectsAsync<InvalidNameException>(() => _repo.DeleteBranchAsync(name));
            await RejectsAsync<InvalidNameException>(() => _repo.GetBranchAsync(name));
        }
    }

    [Test]
    public async Task Writes_to_a_tag_say_it_is_a_read_only_tag()
    {
        _input = "v1";
        using var upload = new TempDirectory();
        await File.WriteAllTextAsync(upload.Combine("f.txt"), "f");
        var one = await _repo.StatObjectAsync("main", "a/one.txt");
        var writes = new (string What, Func<Task> Call)[]
        {
            ("put", () => _repo.PutTextAsync("v1", "x", "x")),
            ("put from bytes", () => _repo.PutObjectAsync("v1", "x", new byte[] { 1 })),
            ("link", () => _repo.LinkObjectAsync("v1", "x", one.PhysicalAddress, one.Size, one.Checksum)),
            ("delete", () => _repo.DeleteObjectAsync("v1", "a/one.txt")),
            ("delete of a path the tag lacks", () => _repo.DeleteObjectAsync("v1", "missing.txt")),
            ("commit", () => _repo.CommitAsync("v1", "msg")),
            ("merge into", () => _repo.MergeAsync("clean", "v1")),
            ("revert onto", () => _repo.RevertAsync("v1", "dev")),
            ("cherry-pick onto", () => _repo.CherryPickAsync("v1", "dev")),
            ("reset", () => _repo.ResetAsync("v1")),
            ("reset of a path", () => _repo.ResetObjectAsync("v1", "a/one.txt")),
            ("reset of a prefix", () => _repo.ResetPrefixAsync("v1", "a/")),
            ("upload", () => _repo.UploadDirectoryAsync("v1", upload.Path)),
        };
        foreach (var (what, call) in writes)
        {
            var e = Assert.ThrowsAsync<BranchNotFoundException>(async () => await call(), what);
            Assert.That(e!.Message, Does.StartWith("'v1' is a tag, not a branch: tags are read-only").And.Contain("BranchAsync"), what);
        }
        var unknown = Assert.ThrowsAsync<BranchNotFoundException>(async () => await _repo.PutTextAsync("nope", "x", "x"));
        Assert.That(unknown!.Message, Is.EqualTo("Branch 'nope' does not exist."));
        await AssertUnchangedAsync();
    }

    [Test]
    public async Task Invalid_tag_names_are_rejected()
    {
        foreach (var name in BadNames)
        {
            _input = name;
            await RejectsAsync<InvalidNameException>(() => _repo.TagAsync(name, "main"));
            await RejectsAsync<InvalidNameException>(() => _repo.DeleteTagAsync(name));
            await RejectsAsync<InvalidNameException>(() => _repo.GetTagAsync(name));
        }
    }

    [Test]
    public async Task Empty_names_are_rejected_as_argument_or_name_errors()
    {
        var either = Is.InstanceOf<ArgumentException>().Or.TypeOf<InvalidNameException>();
        Assert.That(Assert.CatchAsync(async () => await _repo.BranchAsync("", "main")), either);
        Assert.That(Assert.CatchAsync(async () => await _repo.TagAsync("", "main")), either);
        Assert.That(Assert.CatchAsync(async () => await _repo.PutTextAsync("", "x", "x")), either);
        Assert.That(Assert.CatchAsync(async () => await _repo.BranchAsync(null!, "main")), Is.InstanceOf<ArgumentException>());
        Assert.That(Assert.CatchAsync(async () => await _repo.BranchAsync("x", null!)), Is.InstanceOf<ArgumentException>());
        await AssertUnchangedAsync();
    }

    [Test]
    public async Task Invalid_paths_are_rejected()
    {
        foreach (var path in BadPaths)
        {
            _input = path;
            await RejectsAsync<InvalidPathException>(() => _repo.PutTextAsync("main", path, "x"));
            await RejectsAsync<InvalidPathException>(() => _repo.StatObjectAsync("main", path));
            await RejectsAsync<InvalidPathException>(() => _repo.OpenReadAsync("main", path));
            await RejectsAsync<InvalidPathException>(() => _repo.DeleteObjectAsync("main", path));
            await RejectsAsync<InvalidPathException>(() => _repo.StatObjectAsync("v1", path));
        }
    }

    [Test]
    public async Task An_empty_path_is_rejected()
    {
        var either = Is.InstanceOf<ArgumentException>().Or.TypeOf<InvalidPathException>();
        Assert.That(Assert.CatchAsync(async () => await _repo.PutTextAsync("main", "", "x")), either);
        Assert.That(Assert.CatchAsync(async () => await _repo.StatObjectAsync("main", "")), either);
        Assert.That(Assert.CatchAsync(async () => await _repo.DeleteObjectAsync("main", "")), either);
        await AssertUnchangedAsync();
    }

    [Test]
    public async Task A_path_of_exactly_1024_bytes_is_accepted()
    {
        var path = new string('p', 1024);
        await _repo.PutTextAsync("main", path, "long");
        Assert.That(await _repo.ReadTextAsync("main", path), Is.EqualTo("long"));
        await _repo.CommitAsync("main", "long path");
        Assert.That(await _repo.ReadTextAsync("main@", path), Is.EqualTo("long"));
    }

    [Test]
    public async Task Unknown_refs_are_not_found()
    {
        foreach (var @ref in UnknownRefs)
        {
            _input = @ref;
            await RejectsAsync<RefNotFoundException>(() => _repo.GetCommitAsync(@ref));
            await RejectsAsync<RefNotFoundException>(() => _repo.StatObjectAsync(@ref, "a/one.txt"));
            await RejectsAsync<RefNotFoundException>(() => _repo.ListObjectsAsync(@ref).ToListAsync());
            await RejectsAsync<RefNotFoundException>(() => _repo.LogAsync(@ref).ToListAsync());
            await RejectsAsync<RefNotFoundException>(() => _repo.BranchAsync("new-branch", @ref));
            await RejectsAsync<RefNotFoundException>(() => _repo.TagAsync("new-tag", @ref));
        }
    }

    [Test]
    public async Task Malformed_ref_expressions_are_invalid()
    {
        foreach (var @ref in MalformedRefs)
        {
            _input = @ref;
            await RejectsAsync<InvalidRefException>(() => _repo.GetCommitAsync(@ref));
            await RejectsAsync<InvalidRefException>(() => _repo.StatObjectAsync(@ref, "a/one.txt"));
            await RejectsAsync<InvalidRefException>(() => _repo.BranchAsync("new-branch", @ref));
        }
    }

    [Test]
    public async Task Missing_objects_are_not_found()
    {
        await RejectsAsync<ObjectNotFoundException>(() => _repo.StatObjectAsync("main", "missing"));
        await RejectsAsync<ObjectNotFoundException>(() => _repo.OpenReadAsync("main", "missing"));
        await RejectsAsync<ObjectNotFoundException>(() => _repo.DeleteObjectAsync("main", "missing"));
        await RejectsAsync<ObjectNotFoundException>(() => _repo.StatObjectAsync("main@", "staged.txt"));
        await RejectsAsync<ObjectNotFoundException>(() => _repo.StatObjectAsync("dev", "a/one.txt"));
        await RejectsAsync<ObjectNotFoundException>(() => _repo.DeleteObjectAsync("dev", "a/one.txt"));
        await RejectsAsync<ObjectNotFoundException>(() => _repo.StatObjectAsync("v1", "b/three.txt"));
    }

    [Test]
    public async Task Missing_branches_and_tags_are_not_found()
    {
        await RejectsAsync<BranchNotFoundException>(() => _repo.PutTextAsync("nope", "x", "x"));
        await RejectsAsync<BranchNotFoundException>(() => _repo.CommitAsync("nope", "msg"));
        await RejectsAsync<BranchNotFoundException>(() => _repo.DeleteBranchAsync("nope"));
        await RejectsAsync<BranchNotFoundException>(() => _repo.GetBranchAsync("nope"));
        await RejectsAsync<BranchNotFoundException>(() => _repo.GetBranchAsync("v1"));
        await RejectsAsync<TagNotFoundException>(() => _repo.DeleteTagAsync("nope"));
        await RejectsAsync<TagNotFoundException>(() => _repo.GetTagAsync("nope"));
        await RejectsAsync<TagNotFoundException>(() => _repo.GetTagAsync("dev"));
    }

    [Test]
    public async Task The_default_branch_cannot_be_deleted()
    {
        await RejectsAsync<ProtectedBranchException>(() => _repo.DeleteBranchAsync("main"));
    }

    [Test]
    public async Task Existing_branches_tags_and_objects_are_not_overwritten()
    {
        await RejectsAsync<BranchAlreadyExistsException>(() => _repo.BranchAsync("dev", "v1"));
        await RejectsAsync<BranchAlreadyExistsException>(() => _repo.BranchAsync("main", "dev"));
        await RejectsAsync<TagAlreadyExistsException>(() => _repo.TagAsync("v1", "dev"));
        await RejectsAsync<ObjectAlreadyExistsException>(() => _repo.PutTextAsync("main", "a/one.txt", "other", new PutObjectOptions { IfNoneMatch = true }));
        await RejectsAsync<ObjectAlreadyExistsException>(() => _repo.PutTextAsync("main", "staged.txt", "other", new PutObjectOptions { IfNoneMatch = true }));
    }

    [Test]
    public async Task Commit_with_nothing_staged_is_no_changes()
    {
        await RejectsAsync<NoChangesException>(() => _repo.CommitAsync("clean", "nothing"));
    }

    [Test]
    public async Task Commit_of_identical_rewrites_is_no_changes()
    {
        await using var repo = await TestRepositories.CreateLocalAsync(_temp.Combine("second"));
        await repo.PutTextAsync("main", "x", "same", new PutObjectOptions { ContentType = "text/plain", Metadata = new Dictionary<string, string> { ["k"] = "v" } });
        var first = await repo.CommitAsync("main", "first");
        await repo.PutTextAsync("main", "x", "same", new PutObjectOptions { ContentType = "text/plain", Metadata = new Dictionary<string, string> { ["k"] = "v" } });
        Assert.ThrowsAsync<NoChangesException>(async () => await repo.CommitAsync("main", "again"));
        Assert.That((await repo.GetBranchAsync("main")).Head, Is.EqualTo(first.Id));

        // A different content type or metadata with the same bytes is a change.
        await repo.PutTextAsync("main", "x", "same", new PutObjectOptions { ContentType = "text/csv", Metadata = new Dictionary<string, string> { ["k"] = "v" } });
        Assert.That((await repo.CommitAsync("main", "type")).Statistics!.Changes, Is.EqualTo(1));
        await repo.PutTextAsync("main", "x", "same", new PutObjectOptions { ContentType = "text/csv", Metadata = new Dictionary<string, string> { ["k"] = "w" } });
        Assert.That((await repo.CommitAsync("main", "metadata")).Statistics!.Changes, Is.EqualTo(1));

        // Deleting and re-creating identically is no change either.
        await repo.DeleteObjectAsync("main", "x");
        await repo.PutTextAsync("main", "x", "same", new PutObjectOptions { ContentType = "text/csv", Metadata = new Dictionary<string, string> { ["k"] = "w" } });
        Assert.ThrowsAsync<NoChangesException>(async () => await repo.CommitAsync("main", "again"));

        // Adding and deleting a new path before committing is no change.
        await repo.PutTextAsync("main", "y", "temp");
        await repo.DeleteObjectAsync("main", "y");
        Assert.ThrowsAsync<NoChangesException>(async () => await repo.CommitAsync("main", "again"));
    }

    [Test]
    public async Task Allow_empty_commits_when_asked()
    {
        var head = (await _repo.GetBranchAsync("clean")).Head;
        var commit = await _repo.CommitAsync("clean", "empty", new CommitOptions { AllowEmpty = true });
        Assert.That(commit.Parents, Is.EqualTo(new[] { head }));
        Assert.That(commit.Statistics!.Changes, Is.Zero);
    }

    [Test]
    public async Task Invalid_link_addresses_are_rejected()
    {
        await RejectsAsync<InvalidPhysicalAddressException>(() => _repo.LinkObjectAsync("main", "linked", "_lakefs/repository.json", 10, "abc"));
        await RejectsAsync<InvalidPhysicalAddressException>(() => _repo.LinkObjectAsync("main", "linked", _repo.CreatePhysicalAddress(), 10, "abc"));
        await RejectsAsync<InvalidPhysicalAddressException>(() => _repo.LinkObjectAsync("main", "linked", "../outside", 10, "abc"));
        await RejectsAsync<InvalidPhysicalAddressException>(() => _repo.LinkObjectAsync("main", "linked", "/etc/passwd", 10, "abc"));
        var address = _repo.CreatePhysicalAddress();
        using (var bytes = new MemoryStream(Encoding.UTF8.GetBytes("0123456789")))
        {
            await _repo.ObjectStore.PutAsync(address, bytes);
        }
        await RejectsAsync<InvalidPhysicalAddressException>(() => _repo.LinkObjectAsync("main", "linked", address, 11, "abc"));
        var linked = await _repo.LinkObjectAsync("main", "linked", address, 10, "abc");
        Assert.That(linked.Size, Is.EqualTo(10));
        Assert.That(await _repo.ReadTextAsync("main", "linked"), Is.EqualTo("0123456789"));
    }

    [Test]
    public void Physical_addresses_are_distinct_version_7_uuids_on_the_repository_clock()
    {
        // The fixture's clock stands at 2026-01-01 00:00 UTC.
        var ms = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var timestamp = ms.ToString("x12", System.Globalization.CultureInfo.InvariantCulture);
        var addresses = Enumerable.Range(0, 10_000).Select(_ => _repo.CreatePhysicalAddress()).ToList();

        Assert.That(addresses, Is.Unique);
        Assert.That(addresses, Has.All.Matches(@"^data/2026010100/[0-9a-f]{12}7[0-9a-f]{3}[89ab][0-9a-f]{15}$"));
        Assert.That(addresses.Select(a => a["data/2026010100/".Length..][..12]), Has.All.EqualTo(timestamp));
    }

    [Test]
    public async Task Create_over_an_existing_repository_fails_and_leaves_it_intact()
    {
        Assert.ThrowsAsync<RepositoryAlreadyExistsException>(async () => await Repository.CreateAsync(_temp.Path));
        await AssertUnchangedAsync();
        await using var reopened = await Repository.OpenAsync(_temp.Path);
        Assert.That(reopened.Id, Is.EqualTo(_repo.Id));
        Assert.That(await reopened.SnapshotAsync(), Is.EqualTo(_before));
    }

    [Test]
    public void Open_of_a_folder_without_a_repository_fails()
    {
        using var empty = new TempDirectory();
        Assert.ThrowsAsync<RepositoryNotFoundException>(async () => await Repository.OpenAsync(empty.Path));
        Assert.ThrowsAsync<RepositoryNotFoundException>(async () => await Repository.OpenAsync(empty.Combine("missing")));
        Assert.That(Directory.EnumerateFileSystemEntries(empty.Path), Is.Empty, "a failed open left files behind");
    }

    [Test]
    public async Task Create_over_an_object_store_of_another_repository_fails()
    {
        var store = new MemoryObjectStore();
        await using (await Repository.CreateAsync(new RepositoryOptions { ObjectStore = store, RefStore = new SqliteRefStoreOptions(_temp.Combine("one.db")) }))
        {
        }
        Assert.ThrowsAsync<RepositoryAlreadyExistsException>(async () => await Repository.CreateAsync(new RepositoryOptions { ObjectStore = store, RefStore = new SqliteRefStoreOptions(_temp.Combine("two.db")) }));
        Assert.ThrowsAsync<RepositoryNotFoundException>(async () => await Repository.OpenAsync(new RepositoryOptions { ObjectStore = new MemoryObjectStore(), RefStore = new SqliteRefStoreOptions(_temp.Combine("one.db")) }));
    }

    // ------------------------------------------------------------------ text that cannot be stored as given

    private static readonly string[] LoneSurrogates = ["\uD800", "a\uDC00", "x\uD800y", "\uDC00\uD800"];

    [Test]
    public async Task Lone_surrogates_in_prefixes_and_listing_positions_are_invalid_paths()
    {
        // U+FFFD is what a lone surrogate turned into when encoded leniently: an object there must not be listed.
        await _repo.PutTextAsync("main", "\uFFFD/x", "replacement");
        _before = await _repo.SnapshotAsync();
        foreach (var text in LoneSurrogates)
        {
            _input = text;
            await RejectsAsync<InvalidPathException>(() => _repo.ListObjectsAsync("main", prefix: text).ToListAsync());
            await RejectsAsync<InvalidPathException>(() => _repo.ListObjectsAsync("main", after: text).ToListAsync());
            await RejectsAsync<InvalidPathException>(() => _repo.ListObjectsAsync("main", delimiter: text).ToListAsync());
            await RejectsAsync<InvalidPathException>(() => _repo.DiffAsync("main", "dev", new DiffOptions { Prefix = text }).ToListAsync());
            await RejectsAsync<InvalidPathException>(() => _repo.DiffUncommittedAsync("main", new DiffOptions { Prefix = text }).ToListAsync());
            await RejectsAsync<InvalidPathException>(() => _repo.LogAsync("main", new LogOptions { Prefixes = [text] }).ToListAsync());
            await RejectsAsync<InvalidPathException>(() => _repo.LogAsync("main", new LogOptions { Paths = [text] }).ToListAsync());
            await RejectsAsync<InvalidPathException>(() => _repo.ResetPrefixAsync("main", text));
            await RejectsAsync<InvalidPathException>(() => _repo.ResetObjectAsync("main", text));
        }
        // A surrogate pair is fine.
        await _repo.PutTextAsync("main", "emoji/\U0001F600.txt", "smile");
        Assert.That(await _repo.ListPathsAsync("main", prefix: "emoji/\U0001F600"), Is.EqualTo(new[] { "emoji/\U0001F600.txt" }));
    }

    [Test]
    public async Task Lone_surrogates_in_object_metadata_and_commit_text_are_invalid_metadata()
    {
        var address = _repo.CreatePhysicalAddress();
        using (var bytes = new MemoryStream([1, 2, 3]))
        {
            await _repo.ObjectStore.PutAsync(address, bytes);
        }
        foreach (var text in LoneSurrogates)
        {
            _input = text;
            PutObjectOptions[] badObjects =
            [
                new() { ContentType = "text/" + text },
                new() { Metadata = new Dictionary<string, string> { ["k" + text] = "v" } },
                new() { Metadata = new Dictionary<string, string> { ["k"] = "v" + text } },
            ];
            foreach (var options in badObjects)
            {
                await RejectsAsync<InvalidMetadataException>(() => _repo.PutTextAsync("main", "x", "x", options));
                await RejectsAsync<InvalidMetadataException>(() => _repo.LinkObjectAsync("main", "x", address, 3, "abc", options));
            }
            await RejectsAsync<InvalidMetadataException>(() => _repo.LinkObjectAsync("main", "x", address, 3, "abc" + text));

            await RejectsAsync<InvalidMetadataException>(() => _repo.CommitAsync("main", "message " + text));
            await RejectsAsync<InvalidMetadataException>(() => _repo.CommitAsync("main", "m", new CommitOptions { Committer = "me" + text }));
            await RejectsAsync<InvalidMetadataException>(() => _repo.CommitAsync("main", "m", new CommitOptions { Metadata = new Dictionary<string, string> { [text] = "v" } }));
            await RejectsAsync<InvalidMetadataException>(() => _repo.CommitAsync("main", "m", new CommitOptions { Metadata = new Dictionary<string, string> { ["k"] = text } }));
            await RejectsAsync<InvalidMetadataException>(() => _repo.MergeAsync("v1", "clean", new MergeOptions { AllowEmpty = true, Message = text }));
            await RejectsAsync<InvalidMetadataException>(() => _repo.MergeAsync("v1", "clean", new MergeOptions { AllowEmpty = true, Committer = text }));
            await RejectsAsync<InvalidMetadataException>(() => _repo.MergeAsync("v1", "clean", new MergeOptions { AllowEmpty = true, Metadata = new Dictionary<string, string> { ["k"] = text } }));
            await RejectsAsync<InvalidMetadataException>(() => _repo.RevertAsync("clean", "clean", new RevertOptions { Message = text }));
            await RejectsAsync<InvalidMetadataException>(() => _repo.CherryPickAsync("clean", "v1", new RevertOptions { Metadata = new Dictionary<string, string> { [text] = "v" } }));
            Assert.ThrowsAsync<InvalidMetadataException>(async () => await Repository.CreateAsync(
                Repository.LocalOptions(_temp.Combine("other")) with { Committer = text }));
        }
        Assert.That(File.Exists(_temp.Combine("other", Repository.LocalRefStoreFileName)), Is.False);

        // Surrogate pairs are text like any other.
        var emoji = "\U0001F600";
        var info = await _repo.PutTextAsync("main", "x", "x", new PutObjectOptions { Metadata = new Dictionary<string, string> { ["mood"] = emoji } });
        Assert.That(info.Metadata["mood"], Is.EqualTo(emoji));
        var commit = await _repo.CommitAsync("main", "smile " + emoji, new CommitOptions { Committer = emoji, Metadata = new Dictionary<string, string> { [emoji] = emoji } });
        Assert.That((commit.Message, commit.Committer, commit.Metadata[emoji]), Is.EqualTo(("smile " + emoji, emoji, emoji)));
    }

    // ------------------------------------------------------------------ names that would hide each other

    [Test]
    public async Task A_branch_or_tag_cannot_be_named_like_a_full_commit_id()
    {
        var head = (await _repo.GetBranchAsync("dev")).Head;
        string[] ids = [head, new string('a', 64), head.ToUpperInvariant()];
        foreach (var id in ids)
        {
            _input = id;
            await RejectsAsync<InvalidNameException>(() => _repo.BranchAsync(id, "main"));
            await RejectsAsync<InvalidNameException>(() => _repo.TagAsync(id, "main"));
        }
        Assert.ThrowsAsync<InvalidNameException>(async () => await Repository.CreateAsync(
            Repository.LocalOptions(_temp.Combine("other")) with { DefaultBranch = new string('b', 64) }));
        Assert.That(File.Exists(_temp.Combine("other", Repository.LocalRefStoreFileName)), Is.False);

        // The commit stays reachable by its id; shorter hex names are fine (a longer id prefix still finds the commit).
        Assert.That((await _repo.GetCommitAsync(head)).Id, Is.EqualTo(head));
        await _repo.BranchAsync("2026", "main");
        await _repo.TagAsync(head[..63], "main");
        Assert.That((await _repo.GetCommitAsync(head[..63])).Id, Is.EqualTo((await _repo.GetBranchAsync("main")).Head), "the tag wins over the id prefix");
        Assert.That((await _repo.GetCommitAsync(head)).Id, Is.EqualTo(head));
    }

    [Test]
    public async Task A_branch_and_a_tag_cannot_share_a_name()
    {
        _input = "v1";
        await RejectsAsync<TagAlreadyExistsException>(() => _repo.BranchAsync("v1", "main"));
        _input = "dev";
        await RejectsAsync<BranchAlreadyExistsException>(() => _repo.TagAsync("dev", "main"));
        var e = Assert.ThrowsAsync<TagAlreadyExistsException>(async () => await _repo.BranchAsync("v1", "main"));
        Assert.That(e!.Message, Does.Contain("Choose another name"));

        // Once the tag is gone the name is free for a branch, and the other way round.
        await _repo.DeleteTagAsync("v1");
        await _repo.BranchAsync("v1", "main");
        await _repo.DeleteBranchAsync("clean");
        await _repo.TagAsync("clean", "dev");
    }

    [Test]
    public async Task A_branch_and_a_tag_created_at_once_with_one_name_never_both_exist()
    {
        // Each side checks the other's table inside its own write transaction, so exactly one of the two wins.
        for (var i = 0; i < 50; i++)
        {
            var name = $"race-{i}";
            var branch = Task.Run(() => _repo.BranchAsync(name, "main"));
            var tag = Task.Run(() => _repo.TagAsync(name, "main"));
            var outcomes = await Task.WhenAll(Outcome(branch), Outcome(tag));
            Assert.That(outcomes.Count(o => o is null), Is.EqualTo(1), $"round {i}: {string.Join(", ", outcomes.Select(o => o?.GetType().Name ?? "created"))}");
            Assert.That(outcomes.Single(o => o is not null), Is.InstanceOf<AlreadyExistsException>());
        }

        static async Task<Exception?> Outcome(Task task)
        {
            try
            {
                await task;
                return null;
            }
            catch (Exception e)
            {
                return e;
            }
        }
    }

    // ------------------------------------------------------------------ object and commit metadata limits

    [Test]
    public async Task Unsafe_or_oversized_object_metadata_is_refused()
    {
        var address = _repo.CreatePhysicalAddress();
        using (var bytes = new MemoryStream([1, 2, 3]))
        {
            await _repo.ObjectStore.PutAsync(address, bytes);
        }
        var manyKeys = Enumerable.Range(0, 10_000).ToDictionary(i => $"k{i}", _ => "v");
        (string What, PutObjectOptions Options)[] bad =
        [
            ("CR LF in the content type", new() { ContentType = "text/plain\r\nX-Injected: 1" }),
            ("LF in the content type", new() { ContentType = "text/plain\nx" }),
            ("NUL in the content type", new() { ContentType = "text/plain\0" }),
            ("tab in the content type", new() { ContentType = "text/plain;\tq=1" }),
            ("non-ASCII content type", new() { ContentType = "text/plaîn" }),
            ("empty content type", new() { ContentType = "" }),
            ("257-character content type", new() { ContentType = "text/" + new string('x', 252) }),
            ("1 MB content type", new() { ContentType = "text/" + new string('x', 1 << 20) }),
            ("10 MB value", new() { Metadata = new Dictionary<string, string> { ["k"] = new string('v', 10 << 20) } }),
            ("10,000 keys", new() { Metadata = manyKeys }),
            ("2049 bytes of metadata", new() { Metadata = new Dictionary<string, string> { ["k"] = new string('v', 2048) } }),
            ("2049 bytes of metadata in UTF-8", new()
            {
                Metadata = new Dictionary<string, string> { ["k"] = new string('é', 1024) },
            }),
            ("empty key", new() { Metadata = new Dictionary<string, string> { [""] = "v" } }),
            ("key with a space", new() { Metadata = new Dictionary<string, string> { ["my key"] = "v" } }),
            ("key with a colon", new() { Metadata = new Dictionary<string, string> { ["x-injected:"] = "v" } }),
            ("key with CR LF", new() { Metadata = new Dictionary<string, string> { ["k\r\nx"] = "v" } }),
            ("non-ASCII key", new() { Metadata = new Dictionary<string, string> { ["clé"] = "v" } }),
            ("null value", new() { Metadata = new Dictionary<string, string> { ["k"] = null! } }),
            ("CR LF in a value", new() { Metadata = new Dictionary<string, string> { ["k"] = "v\r\nX-Injected: 1" } }),
            ("NUL in a value", new() { Metadata = new Dictionary<string, string> { ["k"] = "v\0" } }),
            ("C1 control in a value", new() { Metadata = new Dictionary<string, string> { ["k"] = "v\u0085" } }),
        ];
        foreach (var (what, options) in bad)
        {
            _input = what;
            await RejectsAsync<InvalidMetadataException>(() => _repo.PutTextAsync("main", "x", "x", options));
            await RejectsAsync<InvalidMetadataException>(() => _repo.LinkObjectAsync("main", "x", address, 3, "abc", options));
        }
        _input = "checksum with CR LF";
        await RejectsAsync<InvalidMetadataException>(() => _repo.LinkObjectAsync("main", "x", address, 3, "abc\r\nx"));
        _input = "257-character checksum";
        await RejectsAsync<InvalidMetadataException>(() => _repo.LinkObjectAsync("main", "x", address, 3, new string('a', 257)));
        var e = Assert.ThrowsAsync<InvalidMetadataException>(async () => await _repo.PutTextAsync("main", "x", "x", bad[0].Options));
        Assert.That(e!.Message, Does.Not.Contain("\n"), "the message shows control characters escaped");

        // At the limits.
        var limit = new PutObjectOptions
        {
            ContentType = "application/" + new string('x', MetadataLimits.MaxContentTypeLength - "application/".Length),
            Metadata = new Dictionary<string, string>
            {
                ["Content-Language!#$%&'*+-.^_`|~"] = "",
                ["k"] = new string('é', 1005) + "\U0001F600  ",
            },
        };
        Assert.That(limit.Metadata.Sum(p => p.Key.Length + Encoding.UTF8.GetByteCount(p.Value)), Is.EqualTo(MetadataLimits.MaxObjectMetadataBytes));
        var info = await _repo.PutTextAsync("main", "limit", "x", limit);
        Assert.That(info.ContentType, Is.EqualTo(limit.ContentType));
        Assert.That(info.Metadata, Is.EquivalentTo(limit.Metadata));
        await _repo.LinkObjectAsync("main", "linked", address, 3, new string('a', MetadataLimits.MaxChecksumLength), limit);
    }

    [Test]
    public async Task A_custom_conflict_resolution_with_unsafe_metadata_is_refused()
    {
        await _repo.BranchAsync("other", "clean");
        await _repo.PutTextAsync("other", "b/three.txt", "other side");
        await _repo.CommitAsync("other", "other side");
        await _repo.PutTextAsync("clean", "b/three.txt", "this side");
        await _repo.CommitAsync("clean", "this side");
        _before = await _repo.SnapshotAsync();
        _input = "custom object with CR LF in its content type";
        await RejectsAsync<InvalidMetadataException>(() => _repo.MergeAsync("other", "clean", new MergeOptions
        {
            Resolver = c => ConflictResolution.Use(c.Source! with { ContentType = "text/plain\r\nX-Injected: 1" }),
        }));
        _input = "custom object with a lone surrogate in a metadata value";
        await RejectsAsync<InvalidMetadataException>(() => _repo.MergeAsync("other", "clean", new MergeOptions
        {
            Resolver = c => ConflictResolution.Use(c.Source! with { Metadata = new Dictionary<string, string> { ["k"] = "\uD800" } }),
        }));
        var merged = await _repo.MergeAsync("other", "clean", new MergeOptions
        {
            Resolver = c => ConflictResolution.Use(c.Source! with { ContentType = "text/plain" }),
        });
        Assert.That((await _repo.StatObjectAsync(merged.Head, "b/three.txt")).ContentType, Is.EqualTo("text/plain"));
    }

    [Test]
    public async Task Unsafe_or_oversized_commit_text_is_refused()
    {
        var big = new string('m', MetadataLimits.MaxCommitBytes);
        (string What, string Message, CommitOptions Options)[] bad =
        [
            ("NUL in the message", "a\0b", new()),
            ("escape in the message", "a\u001B[31mred", new()),
            ("message over the limit", big, new()),
            ("line break in the committer", "m", new() { Committer = "me\nX-Injected: 1" }),
            ("10 MB metadata value", "m", new()
            {
                Metadata = new Dictionary<string, string> { ["k"] = new string('v', 10 << 20) },
            }),
            ("10,000 metadata keys", "m", new()
            {
                Metadata = Enumerable.Range(0, 10_000).ToDictionary(i => $"key-{i}",
                _ => "value"),
            }),
            ("line break in a metadata key", "m", new() { Metadata = new Dictionary<string, string> { ["a\nb"] = "v" } }),
            ("NUL in a metadata value", "m", new() { Metadata = new Dictionary<string, string> { ["k"] = "\0" } }),
            ("empty metadata key", "m", new() { Metadata = new Dictionary<string, string> { [""] = "v" } }),
            ("null metadata value", "m", new() { Metadata = new Dictionary<string, string> { ["k"] = null! } }),
        ];
        foreach (var (what, message, options) in bad)
        {
            _input = what;
            await RejectsAsync<InvalidMetadataException>(() => _repo.CommitAsync("main", message, options));
            await RejectsAsync<InvalidMetadataException>(() => _repo.MergeAsync("v1", "clean", new MergeOptions
            {
                AllowEmpty = true, Message = message, Committer = options.Committer, Metadata = options.Metadata,
            }));
            await RejectsAsync<InvalidMetadataException>(() => _repo.RevertAsync("clean", "clean", new RevertOptions
            {
                Message = message, Committer = options.Committer, Metadata = options.Metadata,
            }));
        }

        // Line breaks and tabs belong in messages and metadata values; the limit counts message, committer and metadata.
        var multiline = "Subject\r\n\r\nBody\twith a tab";
        var committer = "Ada Lovelace <ada@example.com>";
        var value = new string('v', MetadataLimits.MaxCommitBytes - multiline.Length - committer.Length - 1);
        var commit = await _repo.CommitAsync("main", multiline, new CommitOptions { Committer = committer, Metadata = new Dictionary<string, string> { ["k"] = value } });
        Assert.That((commit.Message, commit.Metadata["k"]), Is.EqualTo((multiline, value)));
    }

    // ------------------------------------------------------------------ cancellation

    [Test]
    public async Task Every_public_method_refuses_a_cancelled_token_before_changing_anything()
    {
        await _repo.BranchAsync("behind", "v1");
        var address = _repo.CreatePhysicalAddress();
        using (var bytes = new MemoryStream([1, 2, 3]))
        {
            await _repo.ObjectStore.PutAsync(address, bytes);
        }
        var before = await StateAsync();
        var fresh = _temp.Combine("fresh");
        string LocalFolder() => Directory.CreateDirectory(_temp.Combine("upload")).FullName;
        string LocalFile()
        {
            File.WriteAllText(Path.Combine(LocalFolder(), "file.txt"), "file");
            return Path.Combine(LocalFolder(), "file.txt");
        }

        // Every call here would change the repository (or read it) if the token were not cancelled: "behind" is a
        // clean branch that dev fast-forwards, "clean" has a commit to revert, "main" has a staged change.
        var calls = new Dictionary<string, Func<CancellationToken, Task>>
        {
            ["CreateAsync(String, CancellationToken)"] = t => Repository.CreateAsync(fresh, t),
            ["CreateAsync(RepositoryOptions, CancellationToken)"] = t => Repository.CreateAsync(Repository.LocalOptions(fresh), t),
            ["OpenAsync(String, CancellationToken)"] = t => Repository.OpenAsync(_temp.Path, t),
            ["OpenAsync(RepositoryOptions, CancellationToken)"] = t => Repository.OpenAsync(Repository.LocalOptions(_temp.Path), t),
            ["PutObjectAsync(String, String, Stream, PutObjectOptions, CancellationToken)"] = t => _repo.PutObjectAsync("main", "new.txt", new MemoryStream([1]), null, t),
            ["LinkObjectAsync(String, String, String, Int64, String, PutObjectOptions, CancellationToken)"] = t => _repo.LinkObjectAsync("main", "linked", address, 3, "abc", null, t),
            ["DeleteObjectAsync(String, String, CancellationToken)"] = t => _repo.DeleteObjectAsync("main", "a/two.txt", t),
            ["StatObjectAsync(String, String, CancellationToken)"] = t => _repo.StatObjectAsync("main", "a/two.txt", t),
            ["OpenReadAsync(String, String, Nullable`1, CancellationToken)"] = t => _repo.OpenReadAsync("main", "a/two.txt", null, t),
            ["OpenReadAsync(ObjectInfo, Nullable`1, CancellationToken)"] = t => _repo.OpenReadAsync(
                new ObjectInfo
                {
                    Path = "a/two.txt",
                    PhysicalAddress = "data/2026120200/00000000000000000000000000000000",
                    Size = 1,
                    Checksum = "",
                    ContentType = "",
                    Metadata = new Dictionary<string, string>(),
                    LastModified = default,
                }, null, t),
            ["ListObjectsAsync(String, String, String, String, CancellationToken)"] = t => _repo.ListObjectsAsync("main", null, null, null, t).ToListAsync(),
            ["BranchAsync(String, String, CancellationToken)"] = t => _repo.BranchAsync("new-branch", "main", t),
            ["GetBranchAsync(String, CancellationToken)"] = t => _repo.GetBranchAsync("main", t),
            ["ListBranchesAsync(CancellationToken)"] = t => _repo.ListBranchesAsync(t).ToListAsync(),
            ["DeleteBranchAsync(String, CancellationToken)"] = t => _repo.DeleteBranchAsync("clean", t),
            ["TagAsync(String, String, CancellationToken)"] = t => _repo.TagAsync("new-tag", "main", t),
            ["GetTagAsync(String, CancellationToken)"] = t => _repo.GetTagAsync("v1", t),
            ["ListTagsAsync(CancellationToken)"] = t => _repo.ListTagsAsync(t).ToListAsync(),
            ["DeleteTagAsync(String, CancellationToken)"] = t => _repo.DeleteTagAsync("v1", t),
            ["CommitAsync(String, String, CommitOptions, CancellationToken)"] = t => _repo.CommitAsync("main", "commit", null, t),
            ["GetCommitAsync(String, CancellationToken)"] = t => _repo.GetCommitAsync("main", t),
            ["LogAsync(String, LogOptions, CancellationToken)"] = t => _repo.LogAsync("main", null, t).ToListAsync(),
            ["DiffAsync(String, String, DiffOptions, CancellationToken)"] = t => _repo.DiffAsync("main", "dev", null, t).ToListAsync(),
            ["DiffUncommittedAsync(String, DiffOptions, CancellationToken)"] = t => _repo.DiffUncommittedAsync("main", null, t).ToListAsync(),
            ["FindMergeBaseAsync(String, String, CancellationToken)"] = t => _repo.FindMergeBaseAsync("main", "dev", t),
            ["FindMergeBasesAsync(String, String, CancellationToken)"] = t => _repo.FindMergeBasesAsync("main", "dev", t),
            ["MergeAsync(String, String, MergeOptions, CancellationToken)"] = t => _repo.MergeAsync("dev", "behind", null, t),
            ["RevertAsync(String, String, RevertOptions, CancellationToken)"] = t => _repo.RevertAsync("clean", "clean", null, t),
            ["CherryPickAsync(String, String, RevertOptions, CancellationToken)"] = t => _repo.CherryPickAsync("behind", "dev", null, t),
            ["ResetAsync(String, CancellationToken)"] = t => _repo.ResetAsync("main", t),
            ["ResetObjectAsync(String, String, CancellationToken)"] = t => _repo.ResetObjectAsync("main", "staged.txt", t),
            ["ResetPrefixAsync(String, String, CancellationToken)"] = t => _repo.ResetPrefixAsync("main", "st", t),
            ["PutObjectAsync(String, String, ReadOnlyMemory`1, PutObjectOptions, CancellationToken)"] = t => _repo.PutObjectAsync("main", "new.txt", new byte[] { 1 }, null, t),
            ["PutObjectAsync(String, String, String, PutObjectOptions, CancellationToken)"] = t => _repo.PutObjectAsync("main", "new.txt", "text", null, t),
            ["PutFileAsync(String, String, String, PutObjectOptions, CancellationToken)"] = t => _repo.PutFileAsync("main", "new.txt", LocalFile(), null, t),
            ["UploadDirectoryAsync(String, String, String, UploadOptions, IProgress`1, CancellationToken)"] = t => _repo.UploadDirectoryAsync("main", LocalFolder(), null, null, null, t),
            ["DownloadAsync(String, String, String, DownloadOptions, IProgress`1, CancellationToken)"] = t => _repo.DownloadAsync("main", null, _temp.Combine("download"), null, null, t),
            ["VerifyAsync(VerifyOptions, IProgress`1, CancellationToken)"] = t => _repo.VerifyAsync(null, null, t),
            ["CollectGarbageAsync(GcOptions, IProgress`1, CancellationToken)"] = t => _repo.CollectGarbageAsync(null, null, t),
            ["GetRetentionAsync(CancellationToken)"] = t => _repo.GetRetentionAsync(t),
            ["SetRetentionAsync(RetentionRules, CancellationToken)"] = t => _repo.SetRetentionAsync(new RetentionRules(1), t),
            ["ProtectBranchesAsync(String, CancellationToken)"] = t => _repo.ProtectBranchesAsync("main", t),
            ["UnprotectBranchesAsync(String, CancellationToken)"] = t => _repo.UnprotectBranchesAsync("main", t),
            ["ListBranchProtectionAsync(CancellationToken)"] = t => _repo.ListBranchProtectionAsync(t).ToListAsync(),
            ["GetAuditLogAsync(AuditFilter, CancellationToken)"] = t => _repo.GetAuditLogAsync(null, t).ToListAsync(),
            ["SetRetentionAsync(RetentionRules, CancellationToken)"] = t => _repo.SetRetentionAsync(new RetentionRules(7), t),
            ["GetRetentionAsync(CancellationToken)"] = t => _repo.GetRetentionAsync(t),
            ["ImportAsync(String, ImportSource, String, ImportOptions, IProgress`1, CancellationToken)"] = t => _repo.ImportAsync("main", ImportSource.OwnStore("incoming/"), "imported/", null, null, t),
            ["DumpRefsAsync(CancellationToken)"] = t => _repo.DumpRefsAsync(t),
            ["RestoreRefsAsync(RepositoryOptions, String, CancellationToken)"] = t => Repository.RestoreRefsAsync(Repository.LocalOptions(_temp.Combine("restored")), "id", t),
        };

        // A public method added later without an entry here fails this test until it gets one.
        var publicMethods = typeof(Repository)
            .GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(m => m.GetParameters().Any(p => p.ParameterType == typeof(CancellationToken)))
            .Select(m => $"{m.Name}({string.Join(", ", m.GetParameters().Select(p => p.ParameterType.Name))})");
        Assert.That(calls.Keys, Is.EquivalentTo(publicMethods));

        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var failures = new List<string>();
        foreach (var (method, call) in calls)
        {
            try
            {
                await call(cancelled.Token);
                failures.Add($"{method} went through");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures.Add($"{method} threw {e.GetType().Name}");
            }
            catch (OperationCanceledException)
            {
            }
            var after = await StateAsync();
            if (after != before)
            {
                failures.Add($"{method} changed the repository");
                before = after;
            }
        }
        Assert.That(failures, Is.Empty);
        Assert.That(File.Exists(Path.Combine(fresh, Repository.LocalRefStoreFileName)), Is.False, "a cancelled create made a ref store");

        // The same calls go through with a live token.
        await _repo.MergeAsync("dev", "behind");
        await _repo.DeleteObjectAsync("main", "a/two.txt");
        Assert.That(await StateAsync(), Is.Not.EqualTo(before));
    }

    /// <summary>The snapshot plus what it cannot see: each branch's staging tokens and every key of the object store.</summary>
    private async Task<string> StateAsync()
    {
        var state = new StringBuilder(await _repo.SnapshotAsync());
        await foreach (var branch in _repo.Refs.ListBranchesAsync(CancellationToken.None))
        {
            state.Append("tokens ").Append(branch.Name).Append(' ').AppendLine(string.Join(',', branch.Tokens));
        }
        await foreach (var stat in _repo.ObjectStore.ListAsync(""))
        {
            state.Append("object ").AppendLine(stat.Key);
        }
        return state.ToString();
    }
}
