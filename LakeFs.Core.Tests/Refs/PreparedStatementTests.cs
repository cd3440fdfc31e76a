using LakeFs.Core.Model;
using LakeFs.Core.Refs;
using LakeFs.Core.Tests.TestSupport;
using Microsoft.Data.Sqlite;

namespace LakeFs.Core.Tests.Refs;

/// <summary>Statements run on raw prepared handles bind $n by number and behave as Microsoft.Data.Sqlite's commands did.</summary>
public sealed class PreparedStatementTests
{
    private TempDirectory _temp = null!;
    private SqliteDatabase _database = null!;

    [SetUp]
    public void SetUp()
    {
        _temp = new TempDirectory();
        _database = new SqliteDatabase(_temp.Combine("refs.db"), Durability.ProcessCrash);
        using var s = _database.Open();
        s.Execute("CREATE TABLE t(k BLOB PRIMARY KEY, a TEXT, n INTEGER, v BLOB) WITHOUT ROWID");
    }

    [TearDown]
    public void TearDown()
    {
        _database.Dispose();
        _temp.Dispose();
    }

    [Test]
    public void Parameters_bind_by_their_number_not_by_where_they_appear()
    {
        using var s = _database.Open();
        Assert.That(s.Execute("INSERT INTO t(v, n, a, k) VALUES ($4, $3, $2, $1)", new byte[] { 1 }, "text", 42L, new byte[] { 9, 9 }), Is.EqualTo(1));
        using var reader = s.Query("SELECT k, a, n, v FROM t");
        Assert.That(reader.Read(), Is.True);
        Assert.That(reader.GetBytes(0), Is.EqualTo(new byte[] { 1 }));
        Assert.That(reader.GetString(1), Is.EqualTo("text"));
        Assert.That(reader.GetInt64(2), Is.EqualTo(42));
        Assert.That(reader.GetBytes(3), Is.EqualTo(new byte[] { 9, 9 }));
    }

    [Test]
    public void An_empty_blob_is_a_value_and_null_is_null()
    {
        using var s = _database.Open();
        s.Execute("INSERT INTO t(k, v) VALUES ($1, $2)", new byte[] { 1 }, Array.Empty<byte>());
        s.Execute("INSERT INTO t(k, v) VALUES ($1, $2)", new byte[] { 2 }, null);
        // An empty key sorts first and compares like any other value (a NULL bound here would match nothing).
        Assert.That(s.Execute("DELETE FROM t WHERE k >= $1 AND k < $2", Array.Empty<byte>(), new byte[] { 2 }), Is.EqualTo(1));
        Assert.That(s.Scalar("SELECT count(*) FROM t WHERE v IS NULL"), Is.EqualTo(1L));
    }

    [Test]
    public void A_failed_statement_throws_and_runs_again_afterwards()
    {
        using var s = _database.Open();
        s.Execute("INSERT INTO t(k) VALUES ($1)", new byte[] { 1 });
        var e = Assert.Throws<SqliteException>(() => s.Execute("INSERT INTO t(k) VALUES ($1)", new byte[] { 1 }));
        Assert.That(e!.SqliteErrorCode, Is.EqualTo(19), "SQLITE_CONSTRAINT");
        Assert.That(s.Execute("INSERT INTO t(k) VALUES ($1)", new byte[] { 2 }), Is.EqualTo(1));
    }

    [Test]
    public void Bad_calls_are_refused_before_anything_runs()
    {
        using var s = _database.Open();
        Assert.Throws<ArgumentException>(() => s.Execute("INSERT INTO t(k) VALUES ($1); INSERT INTO t(k) VALUES ($1)", new byte[] { 1 }));
        Assert.Throws<ArgumentException>(() => s.Execute("INSERT INTO t(k, n) VALUES ($1, $2)", new byte[] { 1 }, 1.5));
        Assert.That(s.Scalar("SELECT count(*) FROM t"), Is.EqualTo(0L));
    }
}
