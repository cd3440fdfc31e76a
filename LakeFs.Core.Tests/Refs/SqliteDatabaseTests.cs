using LakeFs.Core.Model;
using LakeFs.Core.Refs;
using LakeFs.Core.Tests.TestSupport;

namespace LakeFs.Core.Tests.Refs;

public sealed class SqliteDatabaseTests
{
    [Test]
    public void A_connection_goes_back_to_the_pool_with_a_small_page_cache_and_its_data_intact()
    {
        using var temp = new TempDirectory();
        using var database = new SqliteDatabase(temp.Combine("refs.db"), Durability.ProcessCrash);
        var value = new byte[1_000];
        using (var s = database.Open())
        {
            s.Execute("CREATE TABLE rows(key INTEGER PRIMARY KEY, value BLOB NOT NULL)");
            s.Write(tx =>
            {
                for (var i = 0; i < 5_000; i++)
                {
                    tx.Execute("INSERT INTO rows(key, value) VALUES ($1, $2)", (long)i, value);
                }
                return 0;
            });
        }

        long sum;
        int cacheAfterScan;
        using (var s = database.Open())
        {
            // A scan of about 5 MB fills the connection's cache (SQLite's default holds up to 2 MB).
            sum = (long)s.Scalar("SELECT sum(length(value)) FROM rows")!;
            cacheAfterScan = s.CacheBytes;
        }

        using var again = database.Open();
        Assert.That(cacheAfterScan, Is.GreaterThan(SqliteSession.TrimAboveBytes));
        Assert.That(again.CacheBytes, Is.LessThanOrEqualTo(SqliteSession.TrimAboveBytes), "the pooled connection was trimmed");
        Assert.That(sum, Is.EqualTo(5_000L * 1_000));
        Assert.That(again.Scalar("SELECT count(*) FROM rows"), Is.EqualTo(5_000L));
    }
}
