using System.Text.RegularExpressions;
using LakeFs.Core;
using LakeFs.Core.Model;
using LakeFs.Core.Refs;
using Npgsql;

namespace LakeFs.RefStore.PostgreSql;

/// <summary>
/// Refs in one schema of a PostgreSQL database: set <see cref="RepositoryOptions.RefStore"/> to this so that processes
/// on many machines can work on one repository. Each repository has a schema of its own (created with the repository);
/// several repositories can share one database.
/// </summary>
public sealed partial record PostgreSqlRefStoreOptions : RefStoreOptions
{
    /// <summary>Refs in <paramref name="schema"/> of the database <paramref name="connectionString"/> names.</summary>
    /// <param name="connectionString">An Npgsql connection string (host, port, database, user, password...). Pooling stays on.</param>
    /// <param name="schema">The repository's schema: 1-63 lower-case ASCII letters, digits and underscores, not starting with a digit nor with <c>pg_</c>.</param>
    /// <exception cref="ArgumentException">The connection string does not parse, or the schema name is not one of the above.</exception>
    public PostgreSqlRefStoreOptions(string connectionString, string schema)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        ArgumentException.ThrowIfNullOrEmpty(schema);
        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
        {
            throw new ArgumentException($"The connection string does not parse as an Npgsql connection string ({e.Message}).", nameof(connectionString), e);
        }
        if (!SchemaName().IsMatch(schema) || schema.StartsWith("pg_", StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"The schema name '{schema}' is not valid: use 1-63 lower-case ASCII letters, digits and underscores, starting with a letter or an underscore and not with 'pg_'.",
                nameof(schema));
        }
        ConnectionString = connectionString;
        Schema = schema;
    }

    /// <summary>The Npgsql connection string.</summary>
    public string ConnectionString { get; }

    /// <summary>The schema that holds the repository's tables.</summary>
    public string Schema { get; }

    /// <summary>Also in messages; the connection string's password never is.</summary>
    internal override string Description => $"the PostgreSQL ref store (schema '{Schema}' at {PostgreSqlRefStore.Where(ConnectionString)})";

    internal override async ValueTask<string?> ReadRepositoryIdAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var store = new PostgreSqlRefStore(this, Durability.ProcessCrash, 1);
        return await store.ReadRepositoryIdAsync(cancellationToken).ConfigureAwait(false);
    }

    internal override async ValueTask<IRefStore> CreateAsync(
        string repositoryId, string defaultBranch, Commit initial, Durability durability, int commitCacheSize, CancellationToken cancellationToken)
    {
        // One transaction creates the schema, its tables and the repository's rows: a failure leaves nothing behind.
        var store = new PostgreSqlRefStore(this, durability, commitCacheSize);
        try
        {
            await store.InitializeAsync(repositoryId, defaultBranch, initial, cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    internal override async ValueTask DeleteAsync(CancellationToken cancellationToken)
    {
        // No pooling: a one-off connection, not a pool that outlives the failed restore.
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{Schema}\" CASCADE", connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    internal override IRefStore Open(Durability durability, int commitCacheSize)
    {
        var store = new PostgreSqlRefStore(this, durability, commitCacheSize);
        try
        {
            store.MigrateAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>Prints the schema and where the connection string points, never the connection string (it may hold a password).</summary>
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Schema = ").Append(Schema).Append(", Server = ").Append(PostgreSqlRefStore.Where(ConnectionString));
        return true;
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex SchemaName();
}
