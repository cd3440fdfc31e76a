using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.TestSupport;
using LakeFs.RefStore.PostgreSql;
using LakeFs.Storage;
using LakeFs.Storage.Memory;

namespace LakeFs.Core.Tests.RefStore.PostgreSql;

/// <summary>The PostgreSQL ref store's options, schema versions and errors, through the repository's create and open.</summary>
public sealed class PostgreSqlRefStoreOptionsTests
{
    [TestCase("")]
    [TestCase("Main")]
    [TestCase("1lake")]
    [TestCase("pg_lake")]
    [TestCase("lake-1")]
    [TestCase("lake;drop")]
    [TestCase("a123456789012345678901234567890123456789012345678901234567890123")]
    public void A_schema_name_outside_the_safe_set_is_refused(string schema)
    {
        Assert.Throws<ArgumentException>(() => _ = new PostgreSqlRefStoreOptions("Host=localhost", schema));
    }

    [Test]
    public void A_connection_string_that_does_not_parse_is_refused_and_the_password_never_shows()
    {
        Assert.Throws<ArgumentException>(() => _ = new PostgreSqlRefStoreOptions("Host=localhost;NoSuchKeyword=1", "lake"));
        var options = new PostgreSqlRefStoreOptions("Host=db.example.org;Port=6543;Database=lakes;Username=u;Password=secret", "lake_1");
        Assert.That(options.Schema, Is.EqualTo("lake_1"));
        Assert.That(options.ToString(), Does.Not.Contain("secret").And.Contain("lake_1").And.Contain("db.example.org:6543/lakes"));
    }

    [Test]
    public void A_server_that_cannot_be_reached_is_a_StorageException_naming_the_store()
    {
        // Nothing listens on port 1 of the loopback interface.
        var options = new RepositoryOptions
        {
            ObjectStore = new MemoryObjectStore(),
            RefStore = new PostgreSqlRefStoreOptions("Host=127.0.0.1;Port=1;Username=u;Password=secret;Timeout=5", "lake"),
        };

        var error = Assert.ThrowsAsync<StorageException>(() => Repository.OpenAsync(options));
        Assert.That(error!.Message, Does.Contain("schema 'lake' at 127.0.0.1:1").And.Contain("Check that the server is running"));
        Assert.That(error.Message, Does.Not.Contain("secret"));
    }

    [Test]
    public async Task A_repository_created_on_PostgreSQL_opens_again_and_a_second_create_is_refused()
    {
        var refs = PostgreSqlServer.FreshOptions();
        try
        {
            var store = new MemoryObjectStore();
            await using (var repo = await Repository.CreateAsync(new RepositoryOptions { ObjectStore = store, RefStore = refs }))
            {
                await repo.PutTextAsync("main", "a.txt", "one");
                await repo.CommitAsync("main", "first");
            }
            await using (var again = await Repository.OpenAsync(new RepositoryOptions { ObjectStore = store, RefStore = refs }))
            {
                Assert.That(await again.ReadTextAsync("main", "a.txt"), Is.EqualTo("one"));
            }
            Assert.ThrowsAsync<RepositoryAlreadyExistsException>(() => Repository.CreateAsync(new RepositoryOptions { ObjectStore = new MemoryObjectStore(), RefStore = refs }));
        }
        finally
        {
            PostgreSqlServer.DropSchema(refs);
        }
    }

    [Test]
    public async Task A_schema_written_by_a_newer_version_is_refused_at_open_with_UnsupportedFormatVersionException()
    {
        var refs = PostgreSqlServer.FreshOptions();
        try
        {
            var options = new RepositoryOptions { ObjectStore = new MemoryObjectStore(), RefStore = refs };
            await (await Repository.CreateAsync(options)).DisposeAsync();
            PostgreSqlServer.Scalar(refs, "UPDATE settings SET value = '99' WHERE key = 'schema_version'");

            var error = Assert.ThrowsAsync<UnsupportedFormatVersionException>(() => Repository.OpenAsync(options));
            Assert.That(error!.Message, Does.Contain("schema version 99").And.Contain("Upgrade"));
        }
        finally
        {
            PostgreSqlServer.DropSchema(refs);
        }
    }

    [Test]
    public async Task A_schema_made_with_fewer_migrations_is_brought_up_to_date_at_open_and_then_refused_by_the_older_code()
    {
        var refs = PostgreSqlServer.FreshOptions();
        try
        {
            IReadOnlyList<string> older = PostgreSqlSchema.Migrations;
            IReadOnlyList<string> newer = [.. older, "CREATE TABLE added_later(x integer PRIMARY KEY); INSERT INTO added_later VALUES (7);"];
            using (var store = new PostgreSqlRefStore(refs, Durability.ProcessCrash, migrations: older))
            {
                var created = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
                var metadata = new SortedDictionary<string, string>(StringComparer.Ordinal);
                var root = new Commit
                {
                    Id = LakeFs.Core.Refs.CommitId.Compute([], "tree", "first", "tests", created, metadata),
                    Parents = [],
                    MetaRangeId = "tree",
                    Message = "first",
                    Committer = "tests",
                    CreationDate = created,
                    Metadata = metadata,
                    Generation = 1,
                };
                await store.InitializeAsync("repo", "main", root, CancellationToken.None);
            }

            using (var store = new PostgreSqlRefStore(refs, Durability.ProcessCrash, migrations: newer))
            {
                await store.MigrateAsync(CancellationToken.None);
                Assert.That(await store.GetDefaultBranchAsync(CancellationToken.None), Is.EqualTo("main"), "the rows made before stay");
            }
            Assert.That(PostgreSqlServer.Scalar(refs, "SELECT value FROM settings WHERE key = 'schema_version'"), Is.EqualTo((newer.Count).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(PostgreSqlServer.Scalar(refs, "SELECT x FROM added_later"), Is.EqualTo(7));
            using (var store = new PostgreSqlRefStore(refs, Durability.ProcessCrash, migrations: newer))
            {
                await store.MigrateAsync(CancellationToken.None);
                Assert.That(PostgreSqlServer.Scalar(refs, "SELECT count(*) FROM added_later"), Is.EqualTo(1L), "a current schema is not migrated again");
            }

            using var old = new PostgreSqlRefStore(refs, Durability.ProcessCrash, migrations: older);
            Assert.ThrowsAsync<UnsupportedFormatVersionException>(async () => await old.ReadRepositoryIdAsync(CancellationToken.None));
        }
        finally
        {
            PostgreSqlServer.DropSchema(refs);
        }
    }
}
