using LakeFs.RefStore.PostgreSql;
using Npgsql;

namespace LakeFs.Core.Tests.TestSupport;

/// <summary>
/// The PostgreSQL server ./test.sh starts (its connection string in <c>LAKEFS_POSTGRES</c>). Without it a test is
/// ignored with a message saying how to run it, except under CI (<c>CI=true</c>), where a missing server is a failure.
/// Every test gets a schema of its own (a random name) and drops it afterwards.
/// </summary>
internal static class PostgreSqlServer
{
    public const string Variable = "LAKEFS_POSTGRES";

    /// <summary>The server's connection string; ignores (or fails under CI) when there is none.</summary>
    public static string RequireConnectionString()
    {
        var value = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrWhiteSpace(value))
        {
            return value;
        }
        var message = $"{Variable} is not set, so the tests against PostgreSQL cannot run. Run ./test.sh: it starts a throwaway PostgreSQL cluster on 127.0.0.1 and sets {Variable} (or set it to an Npgsql connection string of a database the tests may create schemas in).";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(message);
        }
        Assert.Ignore(message);
        return value!;
    }

    /// <summary>Options for a fresh schema with a random name; drop it with <see cref="DropSchema"/>.</summary>
    public static PostgreSqlRefStoreOptions FreshOptions() =>
        new(RequireConnectionString(), "t_" + Guid.NewGuid().ToString("N"));

    /// <summary>Drops the schema and everything in it (nothing when it is missing).</summary>
    public static void DropSchema(PostgreSqlRefStoreOptions options)
    {
        // No pooling: the test's own pools are gone, and this connection should not outlive the test either.
        var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString) { Pooling = false };
        using var connection = new NpgsqlConnection(builder.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{options.Schema}\" CASCADE", connection);
        command.ExecuteNonQuery();
    }

    /// <summary>Runs one statement in the schema of <paramref name="options"/> (to damage or inspect a store).</summary>
    public static object? Scalar(PostgreSqlRefStoreOptions options, string sql, params object[] args)
    {
        var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString) { Pooling = false, SearchPath = options.Schema };
        using var connection = new NpgsqlConnection(builder.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        foreach (var arg in args)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = arg });
        }
        var value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    }
}
