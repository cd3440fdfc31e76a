using System.Security.Cryptography;
using LakeFs.Core.Errors;
using LakeFs.Core.Tests.TestSupport;
using LakeFs.Storage;
using LakeFs.Storage.Memory;
using Microsoft.Data.Sqlite;

namespace LakeFs.Core.Tests;

/// <summary>
/// A damaged ref store, or one written by a newer version, fails with a typed error naming the file and what is wrong;
/// a failed open or create leaves nothing behind.
/// </summary>
public sealed class RepositoryDamagedRefStoreTests
{
    private const int PageSize = 4096;

    private TempDirectory _temp = null!;
    private string _refs = null!;

    [SetUp]
    public async Task SetUp()
    {
        _temp = new TempDirectory();
        _refs = _temp.Combine(Repository.LocalRefStoreFileName);
        await using var repo = await TestRepositories.CreateLocalAsync(_temp.Path);
        for (var i = 0; i < 20; i++)
        {
            await repo.PutTextAsync("main", $"data/{i:D3}", $"v{i}");
        }
        await repo.CommitAsync("main", "load");
        await repo.BranchAsync("dev", "main");
        await repo.PutTextAsync("dev", "staged.txt", "staged");
    }

    [TearDown]
    public void TearDown() => _temp.Dispose();

    /// <summary>Runs SQL on the closed ref store with a plain connection, as a damaging tool or a newer version would.</summary>
    private void Damage(string sql)
    {
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _refs, Pooling = false }.ToString()))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
        Assert.That(File.Exists(_refs + "-wal"), Is.False, "the damage is in the database file itself");
    }

    private void OverwritePage(long page)
    {
        var garbage = new byte[PageSize];
        new Random(7).NextBytes(garbage);
        using var file = new FileStream(_refs, FileMode.Open, FileAccess.Write);
        file.Position = (page - 1) * PageSize;
        file.Write(garbage);
    }

    private long RootPage(string table)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _refs, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT rootpage FROM sqlite_schema WHERE name = '{table}'";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Every file and folder under the repository folder, with a hash of each file's bytes.</summary>
    private string[] FolderState() =>
        [.. Directory.EnumerateFileSystemEntries(_temp.Path, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(_temp.Path, p) + (File.Exists(p) ? " " + Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(p))) : "/"))
            .Order(StringComparer.Ordinal)];

    private static void AssertNames(LakeFsException error, string file, string what)
    {
        Assert.That(error.Message, Does.Contain(file));
        Assert.That(error.Message, Does.Contain(what));
    }

    [Test]
    public async Task A_garbage_page_read_after_open_is_corrupt_data()
    {
        // The commits table is not read at open, so the damage shows when a commit is first read.
        OverwritePage(RootPage("commits"));
        await using var repo = await Repository.OpenAsync(_temp.Path);
        var error = Assert.ThrowsAsync<CorruptDataException>(() => repo.GetCommitAsync("main"))!;
        AssertNames(error, _refs, "damaged");
    }

    [Test]
    public void A_garbage_page_read_at_open_is_corrupt_data()
    {
        OverwritePage(RootPage("branches"));
        var error = Assert.ThrowsAsync<CorruptDataException>(() => Repository.OpenAsync(_temp.Path))!;
        AssertNames(error, _refs, "damaged");
    }

    [Test]
    public void A_garbage_first_page_is_corrupt_data_and_the_open_leaves_the_folder_as_it_was()
    {
        OverwritePage(1);
        var before = FolderState();
        var error = Assert.ThrowsAsync<CorruptDataException>(() => Repository.OpenAsync(_temp.Path))!;
        AssertNames(error, _refs, "not a database");
        Assert.That(FolderState(), Is.EqualTo(before));
    }

    [Test]
    public void A_dropped_table_is_corrupt_data_and_the_open_leaves_the_folder_as_it_was()
    {
        Damage("DROP TABLE tags");
        var before = FolderState();
        var error = Assert.ThrowsAsync<CorruptDataException>(() => Repository.OpenAsync(_temp.Path))!;
        AssertNames(error, _refs, "table tags is missing");
        Assert.That(FolderState(), Is.EqualTo(before));
    }

    [Test]
    public void A_garbage_frozen_staging_list_is_corrupt_data()
    {
        Damage("UPDATE branches SET sealed_tokens = '12,x' WHERE name = 'dev'");
        var error = Assert.ThrowsAsync<CorruptDataException>(() => Repository.OpenAsync(_temp.Path))!;
        AssertNames(error, _refs, "frozen staging list of branch 'dev'");
    }

    [Test]
    public async Task Commit_metadata_that_is_not_json_is_corrupt_data()
    {
        Damage("UPDATE commits SET metadata = 'not json'");
        await using var repo = await Repository.OpenAsync(_temp.Path);
        var error = Assert.ThrowsAsync<CorruptDataException>(() => repo.GetCommitAsync("main"))!;
        AssertNames(error, _refs, "metadata of commit");
    }

    [TestCase("4")]
    [TestCase("999")]
    public void A_newer_format_version_is_refused_naming_both_versions(string version)
    {
        Damage($"UPDATE settings SET value = '{version}' WHERE key = 'format_version'");
        var before = FolderState();
        var error = Assert.ThrowsAsync<UnsupportedFormatVersionException>(() => Repository.OpenAsync(_temp.Path))!;
        AssertNames(error, _refs, $"format version {version}");
        Assert.That(error.Message, Does.Contain("reads format version 3"));
        Assert.That(error.Message, Does.Contain("Upgrade"));
        Assert.That(FolderState(), Is.EqualTo(before));
    }

    [Test]
    public void A_format_version_that_is_not_a_number_is_corrupt_data()
    {
        Damage("UPDATE settings SET value = 'one' WHERE key = 'format_version'");
        var error = Assert.ThrowsAsync<CorruptDataException>(() => Repository.OpenAsync(_temp.Path))!;
        AssertNames(error, _refs, "format version is 'one'");
    }

    [Test]
    public void Opening_a_folder_without_an_objects_folder_creates_none()
    {
        Directory.Delete(_temp.Combine(Repository.LocalObjectsFolderName), recursive: true);
        var before = FolderState();
        Assert.ThrowsAsync<RepositoryNotFoundException>(() => Repository.OpenAsync(_temp.Path));
        Assert.That(FolderState(), Is.EqualTo(before));
    }

    [Test]
    public void Opening_a_folder_whose_ref_store_is_not_a_database_changes_nothing()
    {
        using var other = new TempDirectory();
        var bytes = new byte[3 * PageSize];
        new Random(3).NextBytes(bytes);
        File.WriteAllBytes(other.Combine(Repository.LocalRefStoreFileName), bytes);
        var error = Assert.ThrowsAsync<CorruptDataException>(() => Repository.OpenAsync(other.Path))!;
        AssertNames(error, other.Combine(Repository.LocalRefStoreFileName), "not a database");
        Assert.That(Directory.EnumerateFileSystemEntries(other.Path).Select(Path.GetFileName), Is.EqualTo(new[] { Repository.LocalRefStoreFileName }));
        Assert.That(File.ReadAllBytes(other.Combine(Repository.LocalRefStoreFileName)), Is.EqualTo(bytes));
    }

    [Test]
    public void A_cancelled_create_leaves_no_folder_behind()
    {
        var folder = _temp.Combine("new-lake");
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.CatchAsync<OperationCanceledException>(() => Repository.CreateAsync(folder, cancelled.Token));
        Assert.That(Directory.Exists(folder), Is.False);
    }

    [Test]
    public async Task A_create_that_fails_after_claiming_the_object_store_removes_its_marker_and_files()
    {
        var store = new MemoryObjectStore();
        var refsFolder = _temp.Combine("refs-folder");
        // A folder where the ref store file should be: SQLite cannot open it.
        Directory.CreateDirectory(_temp.Combine("refs-folder", "refs.db"));
        var options = new RepositoryOptions { ObjectStore = store, RefStore = new SqliteRefStoreOptions(Path.Combine(refsFolder, "refs.db")) };
        var error = Assert.ThrowsAsync<StorageException>(() => Repository.CreateAsync(options))!;
        Assert.That(error.Message, Does.Contain(((SqliteRefStoreOptions)options.RefStore).Path));
        Assert.That(await store.ListAsync("").ToListAsync(), Is.Empty, "the marker and the empty tree were removed");

        await using var repo = await Repository.CreateAsync(options with { RefStore = new SqliteRefStoreOptions(_temp.Combine("refs-2.db")) });
        Assert.That((await repo.GetBranchAsync("main")).Name, Is.EqualTo("main"));
    }
}
