using System.Text;
using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.Storage;
using LakeFs.Core.Tests.TestSupport;
using LakeFs.Storage;
using LakeFs.Storage.Local;

namespace LakeFs.Core.Tests;

/// <summary>Zero-copy import from a local folder and from the repository's own store.</summary>
public sealed class RepositoryImportTests
{
    private TempDirectory _temp = null!;
    private LocalObjectStore _landing = null!;
    private Repository _repo = null!;

    [SetUp]
    public async Task SetUpAsync()
    {
        _temp = new TempDirectory();
        Directory.CreateDirectory(_temp.Combine("landing"));
        _landing = new LocalObjectStore(_temp.Combine("landing"));
        _repo = await Repository.CreateAsync(Options());
    }

    [TearDown]
    public async Task TearDownAsync()
    {
        await _repo.DisposeAsync();
        _temp.Dispose();
    }

    private RepositoryOptions Options(bool withSource = true) => Repository.LocalOptions(_temp.Combine("repo")) with
    {
        Tree = TestRepositories.SmallTree,
        ImportSources = withSource ? new Dictionary<string, IObjectStore> { ["landing"] = _landing } : new Dictionary<string, IObjectStore>(),
    };

    internal static async Task WriteAsync(IObjectStore store, string key, string text)
    {
        using var content = new MemoryStream(Encoding.UTF8.GetBytes(text));
        await store.PutAsync(key, content);
    }

    private async Task<Dictionary<string, string>> ContentAsync(string @ref, string? prefix = null)
    {
        var content = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in await _repo.ListPathsAsync(@ref, prefix))
        {
            content[path] = await _repo.ReadTextAsync(@ref, path);
        }
        return content;
    }

    [Test]
    public async Task An_import_commits_entries_that_point_at_the_source_objects_and_a_reimport_gives_the_new_state()
    {
        for (var i = 0; i < 60; i++)
        {
            await WriteAsync(_landing, $"raw/2026/part-{i:D3}.csv", $"row {i}");
        }
        await WriteAsync(_landing, "raw/2026/nested/deep/x.csv", "deep");
        await WriteAsync(_landing, "rawish/not-under-the-prefix", "no");
        await _repo.PutTextAsync("main", "keep/me", "kept");
        await _repo.CommitAsync("main", "base");
        await _repo.PutTextAsync("main", "elsewhere/staged", "staged");

        var progress = new List<ImportProgress>();
        var first = await _repo.ImportAsync("main", ImportSource.Named("landing", "raw/2026/"), "tables/raw/", null, new SyncProgress<ImportProgress>(progress.Add));

        Assert.That(first.Objects, Is.EqualTo(61));
        Assert.That(progress[^1], Is.EqualTo(new ImportProgress { Objects = 61, Bytes = first.Bytes }));
        Assert.That(first.Commit.Metadata["import.source"], Is.EqualTo("landing"));
        Assert.That(first.Commit.Metadata["import.prefix"], Is.EqualTo("raw/2026/"));
        Assert.That(first.Commit.Metadata["import.destination"], Is.EqualTo("tables/raw/"));
        Assert.That(first.Commit.Metadata["import.objects"], Is.EqualTo("61"));
        var expected = new Dictionary<string, string>(StringComparer.Ordinal) { ["tables/raw/nested/deep/x.csv"] = "deep" };
        for (var i = 0; i < 60; i++)
        {
            expected[$"tables/raw/part-{i:D3}.csv"] = $"row {i}";
        }
        Assert.That(await ContentAsync(first.Commit.Id, "tables/"), Is.EqualTo(expected));
        Assert.That(await ContentAsync(first.Commit.Id, "keep/"), Is.EqualTo(new Dictionary<string, string> { ["keep/me"] = "kept" }));
        var info = await _repo.StatObjectAsync("main", "tables/raw/part-007.csv");
        Assert.That((info.ImportSource, info.PhysicalAddress, info.Size), Is.EqualTo(("landing", "raw/2026/part-007.csv", 5L)));
        // No bytes copied: the repository holds only range files and refs beyond what it had.
        var added = Directory.GetFiles(_temp.Combine("repo"), "*", SearchOption.AllDirectories)
            .Where(f => f.Contains(Path.DirectorySeparatorChar + "data" + Path.DirectorySeparatorChar, StringComparison.Ordinal)).ToList();
        Assert.That(added, Has.Count.EqualTo(2), "only the two objects put");
        Assert.That((await _repo.DiffUncommittedAsync("main").ToListAsync()).Select(c => c.Path), Is.EqualTo(new[] { "elsewhere/staged" }));
        var diff = await _repo.DiffAsync(first.Commit.Parents[0], first.Commit.Id).ToListAsync();
        Assert.That(diff, Has.Count.EqualTo(61).And.All.Property(nameof(Change.Kind)).EqualTo(ChangeKind.Added));

        // Merge the import into another branch, and read through it.
        await _repo.BranchAsync("dev", first.Commit.Parents[0]);
        await _repo.PutTextAsync("dev", "dev/file", "dev");
        await _repo.CommitAsync("dev", "dev");
        var merged = await _repo.MergeAsync("main", "dev");
        Assert.That(await _repo.ReadTextAsync(merged.Head, "tables/raw/nested/deep/x.csv"), Is.EqualTo("deep"));

        // The source changes: one object grows, one goes, one comes, one is rewritten with the same size.
        await WriteAsync(_landing, "raw/2026/part-001.csv", "row 1, longer");
        await _landing.DeleteAsync("raw/2026/part-002.csv");
        await WriteAsync(_landing, "raw/2026/part-100.csv", "new");
        var grown = Assert.ThrowsAsync<CorruptDataException>(async () => await _repo.ReadTextAsync(first.Commit.Id, "tables/raw/part-001.csv"))!;
        Assert.That(grown.Message, Does.Contain("import source 'landing'"));
        var gone = Assert.ThrowsAsync<ImportedObjectMissingException>(async () => await _repo.ReadTextAsync(first.Commit.Id, "tables/raw/part-002.csv"))!;
        Assert.That(gone.Message, Does.Contain("raw/2026/part-002.csv").And.Contain("'landing'"));

        var second = await _repo.ImportAsync("main", ImportSource.Named("landing", "raw/2026/"), "tables/raw/");
        var changes = await _repo.DiffAsync(first.Commit.Id, second.Commit.Id).ToListAsync();
        Assert.That(changes.Select(c => (c.Path, c.Kind)), Is.EqualTo(new[]
        {
            ("tables/raw/part-001.csv", ChangeKind.Changed), ("tables/raw/part-002.csv", ChangeKind.Removed), ("tables/raw/part-100.csv", ChangeKind.Added),
        }));
        expected["tables/raw/part-001.csv"] = "row 1, longer";
        expected.Remove("tables/raw/part-002.csv");
        expected["tables/raw/part-100.csv"] = "new";
        Assert.That(await ContentAsync("main", "tables/"), Is.EqualTo(expected));
        Assert.That(await _repo.ReadTextAsync("main", "elsewhere/staged"), Is.EqualTo("staged"), "staged changes elsewhere stay");

        // Nothing changed since: no commit.
        var third = await _repo.ImportAsync("main", ImportSource.Named("landing", "raw/2026/"), "tables/raw/");
        Assert.That(third.Commit.Id, Is.EqualTo(second.Commit.Id));

        // An empty source empties the destination.
        var emptied = await _repo.ImportAsync("main", ImportSource.Named("landing", "nothing-here/"), "tables/raw/");
        Assert.That(await _repo.ListPathsAsync(emptied.Commit.Id, "tables/"), Is.Empty);
        Assert.That(await _repo.ListPathsAsync(emptied.Commit.Id, "keep/"), Is.EqualTo(new[] { "keep/me" }));
    }

    [Test]
    public async Task Uncommitted_changes_under_the_destination_refuse_the_import_and_change_nothing()
    {
        await WriteAsync(_landing, "a", "1");
        await _repo.PutTextAsync("main", "dest/x", "staged");
        var head = (await _repo.GetBranchAsync("main")).Head;
        var e = Assert.ThrowsAsync<DirtyBranchException>(async () => await _repo.ImportAsync("main", ImportSource.Named("landing", ""), "dest/"))!;
        Assert.That(e.Message, Does.Contain("'dest/x'").And.Contain("ResetPrefixAsync"));
        Assert.That((await _repo.GetBranchAsync("main")).Head, Is.EqualTo(head));
        Assert.That(await _repo.ReadTextAsync("main", "dest/x"), Is.EqualTo("staged"));

        // A staged row that changes nothing does not refuse it, and does not hide the import afterwards.
        await _repo.CommitAsync("main", "dest/x");
        await _repo.PutTextAsync("main", "dest/x", "staged");
        var imported = await _repo.ImportAsync("main", ImportSource.Named("landing", ""), "dest/");
        Assert.That(await _repo.ListPathsAsync(imported.Commit.Id, "dest/"), Is.EqualTo(new[] { "dest/a" }));
        Assert.That(await _repo.ListPathsAsync("main", "dest/"), Is.EqualTo(new[] { "dest/a" }), "the no-op row went with the import");
        Assert.That(await _repo.DiffUncommittedAsync("main").ToListAsync(), Is.Empty);
    }

    [Test]
    public async Task The_own_store_is_a_source_outside_its_data_and_metadata_areas()
    {
        var options = Options();
        await WriteAsync(options.ObjectStore, "incoming/day1/a.json", "{}");
        var result = await _repo.ImportAsync("main", ImportSource.OwnStore("incoming/"), "json/");
        Assert.That(await _repo.ReadTextAsync(result.Commit.Id, "json/day1/a.json"), Is.EqualTo("{}"));
        var info = await _repo.StatObjectAsync("main", "json/day1/a.json");
        Assert.That((info.ImportSource, info.PhysicalAddress), Is.EqualTo(("", "incoming/day1/a.json")));
        foreach (var prefix in (string[])["data/", "data/2026", "_lakefs/", "", "d"])
        {
            Assert.That(async () => await _repo.ImportAsync("main", ImportSource.OwnStore(prefix), "x/"),
                Throws.TypeOf<InvalidPathException>().With.Message.Contains("overlaps"), prefix);
        }
        var verify = await _repo.VerifyAsync();
        Assert.That(verify.Problems, Is.Empty);
    }

    [Test]
    public async Task Unknown_sources_bad_keys_and_a_cancelled_import_are_refused_and_change_nothing()
    {
        var head = (await _repo.GetBranchAsync("main")).Head;
        Assert.That(async () => await _repo.ImportAsync("main", ImportSource.Named("nope", ""), "x/"), Throws.TypeOf<ImportSourceNotFoundException>());
        await WriteAsync(_landing, "ok/a", "1");
        await WriteAsync(_landing, "ok/abcdef", "1");
        // 1,021 + 6 bytes: past the 1,024-byte limit of a path.
        Assert.That(async () => await _repo.ImportAsync("main", ImportSource.Named("landing", "ok/"), new string('d', 1020) + "/"),
            Throws.TypeOf<InvalidPathException>().With.Message.Contains("ok/abcdef"));
        Assert.That((await _repo.GetBranchAsync("main")).Head, Is.EqualTo(head));
        await _landing.DeleteAsync("ok/abcdef");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        Assert.That(async () => await _repo.ImportAsync("main", ImportSource.Named("landing", "ok/"), "x/", null, null, cancelled.Token),
            Throws.InstanceOf<OperationCanceledException>());
        Assert.That((await _repo.GetBranchAsync("main")).Head, Is.EqualTo(head));

        // Reopened without the source, an imported object says which source to register.
        await _repo.ImportAsync("main", ImportSource.Named("landing", "ok/"), "x/");
        await _repo.DisposeAsync();
        _repo = await Repository.OpenAsync(Options(withSource: false));
        Assert.That(async () => await _repo.ReadTextAsync("main", "x/a"),
            Throws.TypeOf<ImportSourceNotFoundException>().With.Message.Contains("ImportSources[\"landing\"]"));
        Assert.That(await _repo.ListPathsAsync("main", "x/"), Is.EqualTo(new[] { "x/a" }), "listings need no source");
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool, so its last report may come late).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

/// <summary>Import from each cloud emulator into a local repository.</summary>
[TestFixtureSource(typeof(CloudStores), nameof(CloudStores.Names))]
[Category("Emulator")]
public sealed class CloudImportTests(string cloud)
{
    [Test]
    public async Task Import_and_reimport_from_the_emulator()
    {
        using var temp = new TempDirectory();
        var (source, client) = await CloudStores.OpenAsync(cloud);
        using var _ = client;
        for (var i = 0; i < 30; i++)
        {
            await RepositoryImportTests.WriteAsync(source, $"in/{i:D2}.txt", $"object {i}");
        }
        var options = Repository.LocalOptions(temp.Combine("repo")) with { ImportSources = new Dictionary<string, IObjectStore> { [cloud] = source } };
        await using var repo = await Repository.CreateAsync(options);
        var first = await repo.ImportAsync("main", ImportSource.Named(cloud, "in/"), "cloud/");
        Assert.That(first.Objects, Is.EqualTo(30));
        Assert.That(await repo.ReadTextAsync("main", "cloud/07.txt"), Is.EqualTo("object 7"));
        Assert.That(await repo.ListPathsAsync("main", "cloud/"), Has.Count.EqualTo(30));

        await RepositoryImportTests.WriteAsync(source, "in/07.txt", "object 7, changed");
        await source.DeleteAsync("in/08.txt");
        var second = await repo.ImportAsync("main", ImportSource.Named(cloud, "in/"), "cloud/");
        var changes = await repo.DiffAsync(first.Commit.Id, second.Commit.Id).ToListAsync();
        Assert.That(changes.Select(c => (c.Path, c.Kind)), Is.EqualTo(new[] { ("cloud/07.txt", ChangeKind.Changed), ("cloud/08.txt", ChangeKind.Removed) }));
        Assert.That(await repo.ReadTextAsync("main", "cloud/07.txt"), Is.EqualTo("object 7, changed"));
        Assert.That(async () => await repo.ReadTextAsync(first.Commit.Id, "cloud/08.txt"), Throws.TypeOf<ImportedObjectMissingException>());
    }
}
