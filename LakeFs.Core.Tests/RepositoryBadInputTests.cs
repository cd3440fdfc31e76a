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
        await using (await Repository.CreateAsync(new RepositoryOptions { ObjectStore = store, RefStorePath = _temp.Combine("one.db") }))
        {
        }
        Assert.ThrowsAsync<RepositoryAlreadyExistsException>(async () => await Repository.CreateAsync(new RepositoryOptions { ObjectStore = store, RefStorePath = _temp.Combine("two.db") }));
        Assert.ThrowsAsync<RepositoryNotFoundException>(async () => await Repository.OpenAsync(new RepositoryOptions { ObjectStore = new MemoryObjectStore(), RefStorePath = _temp.Combine("one.db") }));
    }
}
