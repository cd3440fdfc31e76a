using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using LakeFs.Core.Errors;
using LakeFs.Core.Json;
using LakeFs.Core.Model;
using LakeFs.Core.Refs;
using LakeFs.Core.Trees;
using Npgsql;
using NpgsqlTypes;

namespace LakeFs.RefStore.PostgreSql;

/// <summary>
/// Branches, tags, commits and staged entries in one schema of a PostgreSQL database, through one pooled
/// <see cref="NpgsqlDataSource"/>. Every logical change is one transaction at READ COMMITTED; a head moves by
/// <c>UPDATE … WHERE head = expected</c>; staging writes hold a share lock on their branch rows, so a freeze or a head
/// move waits for them and never misses one. Reads hold nothing between pages.
/// </summary>
internal sealed class PostgreSqlRefStore : IRefStore
{
    private const int ListPageSize = 1000;
    private const int StagedPageSize = 2048;
    private const int AuditPageSize = 1000;
    private const int MaxSeenBranches = 10_000;
    private const int MaxAttempts = 20;

    private const string CommitColumns = "id, parents, metarange, message, committer, created, metadata, generation";
    private const string BranchColumns = "name, head, staging_token, frozen_tokens";

    private readonly NpgsqlDataSource _source;
    private readonly NpgsqlDataSource _stagingSource;
    private readonly string _schema;
    private readonly IReadOnlyList<string> _migrations;
    private readonly ClockCache<string, Commit> _commits;
    private readonly ConcurrentDictionary<string, byte> _seenBranches = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _expired = new(StringComparer.Ordinal);
    private readonly PostgreSqlStagingWriter _stager;

    /// <param name="options">Connection string and schema.</param>
    /// <param name="durability">
    /// <see cref="Durability.ProcessCrash"/>: <c>synchronous_commit=off</c> (an acknowledged write survives this process being
    /// killed; a crash of the database server may lose the last fraction of a second). <see cref="Durability.PowerLoss"/>:
    /// <c>synchronous_commit=on</c>, the server's WAL is flushed before a write is acknowledged.
    /// </param>
    /// <param name="commitCacheSize">Commits kept in memory (they never change).</param>
    /// <param name="migrations">The schema's migrations (tests pass others); <see cref="PostgreSqlSchema.Migrations"/> by default.</param>
    public PostgreSqlRefStore(PostgreSqlRefStoreOptions options, Durability durability, int commitCacheSize = 100_000, IReadOnlyList<string>? migrations = null)
    {
        var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString) { SearchPath = options.Schema };
        var setting = durability == Durability.PowerLoss ? "-c synchronous_commit=on" : "-c synchronous_commit=off";
        // Last, so that a connection string's own synchronous_commit never overrides the durability asked for.
        builder.Options = string.Join(" ", new[] { builder.Options, setting }.Where(o => !string.IsNullOrWhiteSpace(o)));
        // The store keeps no session state on a connection (its locks last one transaction), so a connection going back
        // to the pool needs no DISCARD ALL, which would also drop the prepared statements; and the few statements the
        // store repeats are prepared once per connection instead of parsed and planned at every call (unless the
        // connection string sets its own Max Auto Prepare).
        builder.NoResetOnClose = true;
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 64;
        }
        _source = NpgsqlDataSource.Create(builder);
        // The group-commit writer's batches (one writer at a time per store) get connections of their own that plan
        // generically: the batch statement's plan does not depend on its arrays, and planning it anew at every execution
        // cost more than running it (server log, 4 writers: 0.134 ms to bind against 0.106 ms to execute; 0.014 ms to
        // bind with a generic plan). Reads keep PostgreSQL's default: a generic plan made the stat-by-branch query slow
        // under concurrency. First among the options, so that a connection string's own plan_cache_mode wins.
        builder.Options = "-c plan_cache_mode=force_generic_plan " + builder.Options;
        _stagingSource = NpgsqlDataSource.Create(builder);
        _schema = options.Schema;
        _migrations = migrations ?? PostgreSqlSchema.Migrations;
        Description = options.Description;
        _commits = new ClockCache<string, Commit>(Math.Max(1, commitCacheSize), _ => 1, "commit");
        _stager = new PostgreSqlStagingWriter(this);
    }

    public string Description { get; }

    /// <summary>Host, port and database of a connection string, for messages (never the password).</summary>
    public static string Where(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        return $"{b.Host ?? "localhost"}:{b.Port}/{b.Database ?? b.Username ?? "postgres"}";
    }

    // ---- plumbing ----

    internal static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params object?[] args)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var arg in args)
        {
            command.Parameters.Add(Parameter(arg));
        }
        return command;
    }

    /// <summary>A positional parameter: null as SQL NULL, a ready <see cref="NpgsqlParameter"/> as itself.</summary>
    private static NpgsqlParameter Parameter(object? arg) => arg switch
    {
        null => new NpgsqlParameter { Value = DBNull.Value },
        NpgsqlParameter p => p,
        _ => new NpgsqlParameter { Value = arg },
    };

    private static NpgsqlBatchCommand BatchCommand(string sql, params object?[] args)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var arg in args)
        {
            command.Parameters.Add(Parameter(arg));
        }
        return command;
    }

    private static async ValueTask<object?> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object?[] args)
    {
        using var command = Command(connection, sql, args);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is DBNull ? null : value;
    }

    private static async ValueTask<int> ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object?[] args)
    {
        using var command = Command(connection, sql, args);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="read"/> on a pooled connection, outside any explicit transaction.</summary>
    internal async ValueTask<T> ReadAsync<T>(Func<NpgsqlConnection, ValueTask<T>> read, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                return await read(connection).ConfigureAwait(false);
            }
        }
        catch (NpgsqlException e) when (PostgreSqlErrors.Translates(e))
        {
            throw PostgreSqlErrors.Translate(e, Description);
        }
    }

    /// <summary>
    /// Runs <paramref name="write"/> in one transaction and commits it; runs it again (from scratch, after a rollback)
    /// when PostgreSQL reports a deadlock or a serialization failure. The token cancels only before the commit is sent,
    /// so a cancelled call never leaves a write whose outcome is unknown.
    /// </summary>
    /// <remarks>
    /// With <paramref name="implicitTransaction"/> the write is one statement or one <see cref="NpgsqlBatch"/>, which
    /// PostgreSQL runs as a transaction of its own (a batch's statements up to its one Sync message commit or roll back
    /// together): no BEGIN and COMMIT round trips. With <paramref name="staging"/> it runs on the group-commit writer's
    /// connections (see the constructor).
    /// </remarks>
    internal async ValueTask<T> WriteAsync<T>(
        Func<NpgsqlConnection, ValueTask<T>> write, CancellationToken cancellationToken, bool implicitTransaction = false, bool staging = false)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var connection = await (staging ? _stagingSource : _source).OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    if (implicitTransaction)
                    {
                        return await write(connection).ConfigureAwait(false);
                    }
                    var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                    await using (transaction.ConfigureAwait(false))
                    {
                        var result = await write(connection).ConfigureAwait(false);
                        await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                        return result;
                    }
                }
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure && attempt < MaxAttempts)
            {
                // Rolled back whole; run it again.
            }
            catch (NpgsqlException e) when (PostgreSqlErrors.Translates(e))
            {
                throw PostgreSqlErrors.Translate(e, Description);
            }
        }
    }

    // ---- repository and schema ----

    /// <summary>The repository id in the schema, or null when the schema (or its settings table) is missing.</summary>
    /// <exception cref="UnsupportedFormatVersionException">A newer version of the library made the schema.</exception>
    /// <exception cref="CorruptDataException">The settings lack the repository id or the schema version.</exception>
    public ValueTask<string?> ReadRepositoryIdAsync(CancellationToken cancellationToken) => ReadAsync<string?>(async c =>
    {
        if (await ScalarAsync(c, "SELECT to_regclass('settings')::text", cancellationToken).ConfigureAwait(false) is null)
        {
            return null;
        }
        var settings = await ReadSettingsAsync(c, cancellationToken).ConfigureAwait(false);
        foreach (var key in (string[])["repository_id", "default_branch", "schema_version"])
        {
            if (!settings.ContainsKey(key))
            {
                throw new CorruptDataException($"{Capitalized} is damaged: it has no '{key}' setting. Restore it from a refs dump or a backup.");
            }
        }
        CheckVersion(settings["schema_version"]);
        return settings["repository_id"];
    }, cancellationToken);

    private string Capitalized => char.ToUpperInvariant(Description[0]) + Description[1..];

    private static async ValueTask<Dictionary<string, string>> ReadSettingsAsync(NpgsqlConnection c, CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        using var command = Command(c, "SELECT key, value FROM settings");
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                settings[reader.GetString(0)] = reader.GetString(1);
            }
        }
        return settings;
    }

    /// <summary>The schema's version; refuses one newer than <see cref="_migrations"/> knows.</summary>
    private int CheckVersion(string text)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version < 1)
        {
            throw new CorruptDataException($"{Capitalized} is damaged: its schema version is '{text}', not a version number.");
        }
        if (version > _migrations.Count)
        {
            throw new UnsupportedFormatVersionException(
                $"{Capitalized} has schema version {version}, written by a newer version of LakeFs; this version reads schema version {_migrations.Count} and earlier. Upgrade the LakeFs library (and LakeFs.RefStore.PostgreSql) to open it.");
        }
        return version;
    }

    /// <summary>Takes a lock on the schema for the transaction, so that two creates or two migrations of one schema run one after the other.</summary>
    private static ValueTask<object?> LockSchemaAsync(NpgsqlConnection c, string schema, CancellationToken cancellationToken) =>
        ScalarAsync(c, "SELECT pg_advisory_xact_lock(hashtext('lakefs'), hashtext($1))", cancellationToken, schema);

    public ValueTask InitializeAsync(string repositoryId, string defaultBranch, Commit initial, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var commit = Normalized(initial);
        return new ValueTask(WriteAsync(async c =>
        {
            await ExecuteAsync(c, $"CREATE SCHEMA IF NOT EXISTS \"{_schema}\"", cancellationToken).ConfigureAwait(false);
            await LockSchemaAsync(c, _schema, cancellationToken).ConfigureAwait(false);
            if (await ScalarAsync(c, "SELECT to_regclass('settings')::text", cancellationToken).ConfigureAwait(false) is not null)
            {
                throw new RepositoryAlreadyExistsException($"{Capitalized} holds a repository already.");
            }
            foreach (var migration in _migrations)
            {
                await ExecuteAsync(c, migration, cancellationToken).ConfigureAwait(false);
            }
            await ExecuteAsync(c, "INSERT INTO settings(key, value) VALUES ('repository_id', $1), ('default_branch', $2), ('schema_version', $3)",
                cancellationToken, repositoryId, defaultBranch, _migrations.Count.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
            await InsertCommitAsync(c, commit, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(c, "INSERT INTO branches(name, head, staging_token, frozen_tokens) VALUES ($1, $2, nextval('staging_tokens'), '{}')",
                cancellationToken, defaultBranch, commit.Id).ConfigureAwait(false);
            return 0;
        }, cancellationToken).AsTask());
    }

    /// <summary>
    /// Brings a schema made by an earlier version of the library up to this one's (each missing migration, in one
    /// transaction under the schema lock); writes nothing when it is current.
    /// </summary>
    /// <exception cref="UnsupportedFormatVersionException">A newer version of the library made the schema.</exception>
    public async ValueTask MigrateAsync(CancellationToken cancellationToken)
    {
        var version = await ReadAsync(async c => CheckVersion(await ReadVersionAsync(c, cancellationToken).ConfigureAwait(false)), cancellationToken).ConfigureAwait(false);
        if (version == _migrations.Count)
        {
            return;
        }
        await WriteAsync(async c =>
        {
            await LockSchemaAsync(c, _schema, cancellationToken).ConfigureAwait(false);
            var current = CheckVersion(await ReadVersionAsync(c, cancellationToken).ConfigureAwait(false));
            for (var i = current; i < _migrations.Count; i++)
            {
                await ExecuteAsync(c, _migrations[i], cancellationToken).ConfigureAwait(false);
            }
            await ExecuteAsync(c, "UPDATE settings SET value = $1 WHERE key = 'schema_version'", cancellationToken,
                _migrations.Count.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<string> ReadVersionAsync(NpgsqlConnection c, CancellationToken cancellationToken) =>
        await ScalarAsync(c, "SELECT value FROM settings WHERE key = 'schema_version'", cancellationToken).ConfigureAwait(false) as string
            ?? throw new CorruptDataException($"{Capitalized} is damaged: it has no 'schema_version' setting. Restore it from a refs dump or a backup.");

    public ValueTask<string> GetDefaultBranchAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ReadAsync(async c => await ScalarAsync(c, "SELECT value FROM settings WHERE key = 'default_branch'", cancellationToken).ConfigureAwait(false) as string
            ?? throw new CorruptDataException($"{Capitalized} has no 'default_branch' setting. Restore it from a refs dump or a backup."), cancellationToken);
    }

    // ---- commits ----

    /// <summary>The commit as a store reads it back: no statistics, the creation time at offset zero (the same instant).</summary>
    private static Commit Normalized(Commit commit) =>
        commit with { Statistics = null, PostHookFailures = [], CreationDate = commit.CreationDate.ToUniversalTime() };

    public async ValueTask<Commit?> GetCommitAsync(string id, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_commits.TryGet(id, out var cached))
        {
            return cached;
        }
        var commit = await ReadAsync(async c =>
        {
            using var command = Command(c, $"SELECT {CommitColumns} FROM commits WHERE id = $1", id);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadCommit(reader) : null;
            }
        }, cancellationToken).ConfigureAwait(false);
        if (commit is not null)
        {
            _commits.Add(id, commit);
        }
        return commit;
    }

    public async ValueTask InsertCommitAsync(Commit commit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        commit = Normalized(commit);
        var inserted = await WriteAsync(c => InsertCommitAsync(c, commit, cancellationToken), cancellationToken).ConfigureAwait(false);
        // A row that was there already stays as it was; the cache must hold that row, not the caller's object.
        if (inserted)
        {
            _commits.Add(commit.Id, commit);
        }
    }

    private static async ValueTask<bool> InsertCommitAsync(NpgsqlConnection c, Commit commit, CancellationToken cancellationToken) =>
        await ExecuteAsync(c, $"INSERT INTO commits({CommitColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING", cancellationToken,
            CommitValues(commit)).ConfigureAwait(false) == 1;

    private Commit ReadCommit(NpgsqlDataReader r)
    {
        var id = r.GetString(0);
        Dictionary<string, string>? metadata;
        try
        {
            metadata = JsonSerializer.Deserialize(r.GetString(6), CoreJsonContext.Default.DictionaryStringString);
        }
        catch (JsonException e)
        {
            throw new CorruptDataException($"{Capitalized} is damaged: the metadata of commit {id} is not a JSON object of strings ({e.Message}).", e);
        }
        var ticks = r.GetInt64(5);
        if (metadata is null || ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            throw new CorruptDataException($"{Capitalized} is damaged: commit {id} has {(metadata is null ? "null metadata" : $"a creation time out of range ({ticks} ticks)")}.");
        }
        return new Commit
        {
            Id = id,
            Parents = r.GetFieldValue<string[]>(1),
            MetaRangeId = r.GetString(2),
            Message = r.GetString(3),
            Committer = r.GetString(4),
            CreationDate = new DateTimeOffset(ticks, TimeSpan.Zero),
            Metadata = new SortedDictionary<string, string>(metadata, StringComparer.Ordinal),
            Generation = r.GetInt64(7),
        };
    }

    public ValueTask<IReadOnlyList<string>> FindCommitIdsAsync(string prefix, int limit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ReadAsync<IReadOnlyList<string>>(async c =>
        {
            var ids = new List<string>();
            using var command = Command(c, "SELECT id FROM commits WHERE id >= $1 AND id < $2 ORDER BY id LIMIT $3", prefix, prefix + "\uffff", (long)limit);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    ids.Add(reader.GetString(0));
                }
            }
            return ids;
        }, cancellationToken);
    }

    /// <summary>
    /// Commit <paramref name="id"/> and its first-parent ancestors, newest first, at most <paramref name="limit"/> in
    /// all, in one recursive query; empty when <paramref name="id"/> is missing.
    /// </summary>
    private ValueTask<List<Commit>> GetFirstParentLineAsync(string id, int limit, CancellationToken cancellationToken) => ReadAsync(async c =>
    {
        using var command = Command(c, $"""
            WITH RECURSIVE line({CommitColumns}, depth) AS (
                SELECT {CommitColumns}, 1 FROM commits WHERE id = $1
                UNION ALL
                SELECT c.id, c.parents, c.metarange, c.message, c.committer, c.created, c.metadata, c.generation, line.depth + 1
                FROM line JOIN commits c ON c.id = line.parents[1]
                WHERE line.depth < $2)
            SELECT {CommitColumns} FROM line ORDER BY depth
            """, id, limit);
        var commits = new List<Commit>();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                commits.Add(ReadCommit(reader));
            }
        }
        return commits;
    }, cancellationToken);

    /// <summary>
    /// A reader of commits for one graph walk: through the commit cache, a miss read with a page of the commit's
    /// first-parent line in one recursive query.
    /// </summary>
    private CommitPages NewCommitPages() => new(_commits, async (id, limit, ct) => await GetFirstParentLineAsync(id, limit, ct).ConfigureAwait(false), Description);

    public IAsyncEnumerable<Commit> WalkHistoryAsync(string from, bool firstParent, CancellationToken cancellationToken) =>
        HistoryWalk.WalkAsync(from, firstParent, NewCommitPages(), cancellationToken);

    public ValueTask<IReadOnlyList<Commit>> FindMergeBasesAsync(IReadOnlyList<string> left, string right, CancellationToken cancellationToken) =>
        MergeBase.FindAllAsync(left, right, NewCommitPages(), cancellationToken);

    // ---- branches ----

    private static BranchRecord ReadBranch(NpgsqlDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetFieldValue<long[]>(3));

    internal static async ValueTask<BranchRecord?> GetBranchAsync(NpgsqlConnection c, string name, string lockClause, CancellationToken cancellationToken)
    {
        using var command = Command(c, $"SELECT {BranchColumns} FROM branches WHERE name = $1 {lockClause}", name);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadBranch(reader) : null;
        }
    }

    public ValueTask<BranchRecord?> GetBranchAsync(string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ReadAsync(c => GetBranchAsync(c, name, "", cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Answered from memory once this instance has seen the branch (as on SQLite): a pre-check for puts, which would
    /// otherwise pay a round trip each. The staging write checks the branch again in its own transaction.
    /// </summary>
    public async ValueTask<bool> BranchExistsAsync(string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_seenBranches.ContainsKey(name))
        {
            return true;
        }
        var exists = await ReadAsync(async c => await ScalarAsync(c, "SELECT 1 FROM branches WHERE name = $1", cancellationToken, name).ConfigureAwait(false) is not null,
            cancellationToken).ConfigureAwait(false);
        if (exists)
        {
            if (_seenBranches.Count >= MaxSeenBranches)
            {
                _seenBranches.Clear();
            }
            _seenBranches.TryAdd(name, 0);
        }
        return exists;
    }

    public async IAsyncEnumerable<BranchRecord> ListBranchesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = string.Empty;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = await ReadAsync(async c =>
            {
                var list = new List<BranchRecord>();
                using var command = Command(c, $"SELECT {BranchColumns} FROM branches WHERE name > $1 ORDER BY name LIMIT $2", after, (long)ListPageSize);
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        list.Add(ReadBranch(reader));
                    }
                }
                return list;
            }, cancellationToken).ConfigureAwait(false);
            foreach (var branch in page)
            {
                yield return branch;
            }
            if (page.Count < ListPageSize)
            {
                yield break;
            }
            after = page[^1].Name;
        }
    }

    /// <summary>
    /// Serialises creates of refs under one top-level name (branch or tag) for the transaction, so neither a branch and
    /// a tag of one name nor a ref and a ref inside it as a folder ('a' and 'a/b') can both be made.
    /// </summary>
    private async ValueTask LockRefNameAsync(NpgsqlConnection c, string kind, string name, CancellationToken cancellationToken)
    {
        var top = name.Split('/')[0];
        await ScalarAsync(c, RefNameLockSql, cancellationToken, "lakefs-ref:" + _schema, top).ConfigureAwait(false);
        var (folders, insideFrom, insideTo) = Names.FolderConflicts(name);
        using var command = Command(c, """
            SELECT kind, name FROM (
                SELECT 'branch' AS kind, name FROM branches WHERE name = ANY($1) OR (name >= $2 AND name < $3)
                UNION ALL
                SELECT 'tag', name FROM tags WHERE name = ANY($1) OR (name >= $2 AND name < $3)) AS x
            ORDER BY kind, name LIMIT 1
            """, folders, insideFrom, insideTo);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw Names.FolderConflict(kind, name, reader.GetString(0), reader.GetString(1));
            }
        }
    }

    /// <summary>
    /// One round trip: a batch (one implicit transaction) that takes the ref-name lock and the expiry lock, then inserts
    /// the branch and its audit record only when no branch, tag, folder conflict or expiry mark stands in the way, and
    /// returns what it found, so a refusal names its reason.
    /// </summary>
    public ValueTask CreateBranchAsync(string name, string head, AuditRecord? audit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var (folders, insideFrom, insideTo) = Names.FolderConflicts(name);
        return new ValueTask(WriteAsync(async c =>
        {
            using var batch = new NpgsqlBatch(c);
            batch.BatchCommands.Add(BatchCommand(RefNameLockSql, "lakefs-ref:" + _schema, name.Split('/')[0]));
            batch.BatchCommands.Add(BatchCommand(ExpiryLockSql, _schema));
            batch.BatchCommands.Add(BatchCommand($"""
                WITH existing AS (
                    SELECT EXISTS (SELECT 1 FROM branches WHERE name = $1) AS branch, EXISTS (SELECT 1 FROM tags WHERE name = $1) AS tag,
                        EXISTS (SELECT 1 FROM expired_commits WHERE id = $2) AS expired, f.kind AS folder_kind, f.name AS folder_name
                    FROM (SELECT 1) AS one LEFT JOIN LATERAL (
                        SELECT kind, name FROM (
                            SELECT 'branch' AS kind, name FROM branches WHERE name = ANY($3) OR (name >= $4 AND name < $5)
                            UNION ALL
                            SELECT 'tag', name FROM tags WHERE name = ANY($3) OR (name >= $4 AND name < $5)) AS x
                        ORDER BY kind, name LIMIT 1) AS f ON true),
                created AS (
                    INSERT INTO branches(name, head, staging_token, frozen_tokens)
                    SELECT $1, $2, nextval('staging_tokens'), ARRAY[]::bigint[] FROM existing WHERE NOT (branch OR tag OR expired) AND folder_kind IS NULL
                    RETURNING name),
                {AuditCte("(SELECT count(*) FROM created) > 0", 6)}
                SELECT branch, tag, expired, folder_kind, folder_name FROM existing
                """, [name, head, folders, insideFrom, insideTo, .. AuditValues(audit)]));
            var reader = await batch.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                await reader.NextResultAsync(CancellationToken.None).ConfigureAwait(false);
                await reader.NextResultAsync(CancellationToken.None).ConfigureAwait(false);
                await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                if (reader.GetBoolean(0))
                {
                    throw new BranchAlreadyExistsException($"Branch '{name}' already exists.");
                }
                if (reader.GetBoolean(1))
                {
                    throw new TagAlreadyExistsException($"A tag named '{name}' exists; a branch cannot share its name (the tag would be hidden). Choose another name.");
                }
                if (reader.GetBoolean(2))
                {
                    throw ExpiredCommit(head, "a branch");
                }
                if (!reader.IsDBNull(3))
                {
                    throw Names.FolderConflict("branch", name, reader.GetString(3), reader.GetString(4));
                }
            }
            return 0;
        }, cancellationToken, implicitTransaction: true).AsTask());
    }

    public async ValueTask DeleteBranchAsync(string name, AuditRecord? audit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var branch = await WriteAsync(async c =>
        {
            BranchRecord? deleted;
            using (var command = Command(c, $"DELETE FROM branches WHERE name = $1 RETURNING {BranchColumns}", name))
            {
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    deleted = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadBranch(reader) : null;
                }
            }
            if (deleted is null)
            {
                throw new BranchNotFoundException($"Branch '{name}' does not exist.");
            }
            await InsertAuditAsync(c, audit is null ? null : audit with { Before = deleted.Head }, cancellationToken).ConfigureAwait(false);
            return deleted;
        }, cancellationToken).ConfigureAwait(false);
        _seenBranches.TryRemove(name, out _);
        await DropTokensAsync(branch.Tokens).ConfigureAwait(false);
    }

    public ValueTask<BranchRecord> FreezeStagingAsync(string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return WriteAsync(async c =>
        {
            // One statement, its own transaction: not cancelled once sent, so its outcome is never unknown.
            // The right-hand sides see the row as it was: the current area joins the frozen ones, newest first.
            using var command = Command(c, $"""
                UPDATE branches SET staging_token = nextval('staging_tokens'), frozen_tokens = staging_token || frozen_tokens
                WHERE name = $1 RETURNING {BranchColumns}
                """, name);
            var reader = await command.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                return await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false)
                    ? ReadBranch(reader)
                    : throw new BranchNotFoundException($"Branch '{name}' does not exist.");
            }
        }, cancellationToken, implicitTransaction: true);
    }

    public async ValueTask<bool> TryUpdateBranchAsync(BranchUpdate update, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var commit = update.NewCommit is { } n ? Normalized(n) : null;
        long[] retire = [.. update.Retire];
        long[] trimmed = update.Trim is { } selection ? [.. selection.Tokens] : [];
        var (done, inserted) = update.Trim is null
            ? await MoveHeadAsync(update, commit, retire, cancellationToken).ConfigureAwait(false)
            : await WriteAsync(async c =>
        {
            if (update.NewHead != update.ExpectedHead)
            {
                await ThrowIfExpiredAsync(c, update.NewHead, "a branch", cancellationToken).ConfigureAwait(false);
            }
            var moved = await ExecuteAsync(c, """
                UPDATE branches SET head = $3,
                    frozen_tokens = ARRAY(SELECT t FROM unnest(frozen_tokens) WITH ORDINALITY AS f(t, i) WHERE t <> ALL($4) ORDER BY i)
                WHERE name = $1 AND head = $2 AND frozen_tokens @> $4 AND frozen_tokens @> $5
                """, cancellationToken, update.Branch, update.ExpectedHead, update.NewHead, retire, trimmed).ConfigureAwait(false);
            if (moved == 0)
            {
                return await ScalarAsync(c, "SELECT 1 FROM branches WHERE name = $1", cancellationToken, update.Branch).ConfigureAwait(false) is null
                    ? throw new BranchNotFoundException($"Branch '{update.Branch}' does not exist.")
                    : (false, false);
            }
            if (update.Trim is { } trim)
            {
                await TrimStagedAsync(c, update.Branch, trimmed, trim.Ranges, cancellationToken).ConfigureAwait(false);
            }
            var added = commit is not null && await InsertCommitAsync(c, commit, cancellationToken).ConfigureAwait(false);
            await InsertAuditAsync(c, update.Audit, cancellationToken).ConfigureAwait(false);
            return (true, added);
        }, cancellationToken).ConfigureAwait(false);
        if (!done)
        {
            return false;
        }
        if (inserted)
        {
            _commits.Add(commit!.Id, commit);
        }
        await DropTokensAsync(retire).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// A head move without a trim in one round trip: a batch (one implicit transaction) that takes the expiry lock when
    /// the head changes, then moves the head only when it is still the expected one (and the new one has not expired),
    /// stores the new commit and the audit record only when it moved, and says what happened. The token cancels only
    /// before the batch is sent.
    /// </summary>
    private ValueTask<(bool Moved, bool Inserted)> MoveHeadAsync(BranchUpdate update, Commit? commit, long[] retire, CancellationToken cancellationToken) =>
        WriteAsync(async c =>
        {
            using var batch = new NpgsqlBatch(c);
            var checkExpiry = update.NewHead != update.ExpectedHead;
            if (checkExpiry)
            {
                batch.BatchCommands.Add(BatchCommand(ExpiryLockSql, _schema));
            }
            batch.BatchCommands.Add(BatchCommand($"""
                WITH expired AS (SELECT $5::boolean AND EXISTS (SELECT 1 FROM expired_commits WHERE id = $3) AS hit),
                moved AS (
                    UPDATE branches SET head = $3,
                        frozen_tokens = ARRAY(SELECT t FROM unnest(frozen_tokens) WITH ORDINALITY AS f(t, i) WHERE t <> ALL($4) ORDER BY i)
                    WHERE name = $1 AND head = $2 AND frozen_tokens @> $4 AND NOT (SELECT hit FROM expired)
                    RETURNING 1),
                added AS (
                    INSERT INTO commits({CommitColumns})
                    SELECT $7::text, $8::text[], $9::text, $10::text, $11::text, $12::bigint, $13::text, $14::bigint
                    WHERE $6::boolean AND EXISTS (SELECT 1 FROM moved)
                    ON CONFLICT (id) DO NOTHING RETURNING 1),
                {AuditCte("EXISTS (SELECT 1 FROM moved)", 15)}
                SELECT (SELECT hit FROM expired), EXISTS (SELECT 1 FROM moved), EXISTS (SELECT 1 FROM added), EXISTS (SELECT 1 FROM branches WHERE name = $1)
                """,
                [update.Branch, update.ExpectedHead, update.NewHead, retire, checkExpiry, commit is not null,
                    .. CommitValues(commit), .. AuditValues(update.Audit)]));
            var reader = await batch.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (checkExpiry)
                {
                    await reader.NextResultAsync(CancellationToken.None).ConfigureAwait(false);
                }
                await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                if (reader.GetBoolean(0))
                {
                    throw ExpiredCommit(update.NewHead, "a branch");
                }
                if (!reader.GetBoolean(3))
                {
                    throw new BranchNotFoundException($"Branch '{update.Branch}' does not exist.");
                }
                return (reader.GetBoolean(1), reader.GetBoolean(2));
            }
        }, cancellationToken, implicitTransaction: true);

    /// <summary>The eight columns of a commit row (<see cref="CommitColumns"/>), all null for none.</summary>
    private static object?[] CommitValues(Commit? commit) => commit is null
        ? [null, null, null, null, null, null, null, null]
        : [commit.Id, commit.Parents.ToArray(), commit.MetaRangeId, commit.Message, commit.Committer, commit.CreationDate.UtcTicks,
            JsonSerializer.Serialize(commit.Metadata, CoreJsonContext.Default.IReadOnlyDictionaryStringString), commit.Generation];

    /// <summary>
    /// Deletes a partial commit's rows from their frozen areas (the branch row is locked by the head move, and no write
    /// goes to a frozen area), then retires the areas left without rows.
    /// </summary>
    private static async ValueTask TrimStagedAsync(NpgsqlConnection c, string branch, long[] tokens, IReadOnlyList<KeyRange> ranges, CancellationToken cancellationToken)
    {
        await ExecuteAsync(c, """
            DELETE FROM staged s USING unnest($2::bytea[], $3::bytea[]) AS r(f, t)
            WHERE s.token = ANY($1) AND s.path >= r.f AND s.path < r.t
            """, cancellationToken, tokens,
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea, Value = ranges.Select(r => r.From).ToArray() },
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea, Value = ranges.Select(r => r.To).ToArray() }).ConfigureAwait(false);
        await ExecuteAsync(c, """
            UPDATE branches SET frozen_tokens = ARRAY(
                SELECT t FROM unnest(frozen_tokens) WITH ORDINALITY AS f(t, i)
                WHERE t <> ALL($2) OR EXISTS (SELECT 1 FROM staged WHERE token = f.t) ORDER BY i)
            WHERE name = $1
            """, cancellationToken, branch, tokens).ConfigureAwait(false);
    }

    /// <summary>Deletes the staged rows of retired tokens (no branch refers to them any more; a crash here leaves orphans that the next open drops).</summary>
    private async ValueTask DropTokensAsync(long[] tokens)
    {
        if (tokens.Length > 0)
        {
            await WriteAsync(c => ExecuteAsync(c, "DELETE FROM staged WHERE token = ANY($1)", CancellationToken.None, tokens), CancellationToken.None, implicitTransaction: true)
                .ConfigureAwait(false);
        }
    }

    public async ValueTask DropOrphanStagingAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // One statement, so one snapshot: a token with rows that no branch names then was retired or deleted, never
        // handed out again. The distinct tokens are found by a skip scan of the primary key, not a full scan.
        var orphans = await ReadAsync(async c =>
        {
            using var command = Command(c, """
                WITH RECURSIVE t(token) AS (
                    SELECT min(token) FROM staged
                    UNION ALL
                    SELECT (SELECT min(token) FROM staged WHERE token > t.token) FROM t WHERE t.token IS NOT NULL)
                SELECT token FROM t WHERE token IS NOT NULL
                    AND token NOT IN (SELECT staging_token FROM branches UNION ALL SELECT unnest(frozen_tokens) FROM branches)
                """);
            var list = new List<long>();
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    list.Add(reader.GetInt64(0));
                }
            }
            return list;
        }, cancellationToken).ConfigureAwait(false);
        await DropTokensAsync([.. orphans]).ConfigureAwait(false);
    }

    // ---- tags ----

    public ValueTask<string?> GetTagAsync(string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ReadAsync(async c => await ScalarAsync(c, "SELECT commit_id FROM tags WHERE name = $1", cancellationToken, name).ConfigureAwait(false) as string, cancellationToken);
    }

    public ValueTask CreateTagAsync(string name, string commitId, AuditRecord? audit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new ValueTask(WriteAsync(async c =>
        {
            await LockRefNameAsync(c, "tag", name, cancellationToken).ConfigureAwait(false);
            if (await ScalarAsync(c, "SELECT 1 FROM tags WHERE name = $1", cancellationToken, name).ConfigureAwait(false) is not null)
            {
                throw new TagAlreadyExistsException($"Tag '{name}' already exists; tags are immutable.");
            }
            if (await ScalarAsync(c, "SELECT 1 FROM branches WHERE name = $1", cancellationToken, name).ConfigureAwait(false) is not null)
            {
                throw new BranchAlreadyExistsException($"A branch named '{name}' exists; a tag cannot share its name (the branch would hide it). Choose another name.");
            }
            await ThrowIfExpiredAsync(c, commitId, "a tag", cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(c, "INSERT INTO tags(name, commit_id) VALUES ($1, $2)", cancellationToken, name, commitId).ConfigureAwait(false);
            await InsertAuditAsync(c, audit, cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken).AsTask());
    }

    public ValueTask<bool> DeleteTagAsync(string name, AuditRecord? audit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return WriteAsync(async c =>
        {
            if (await ScalarAsync(c, "DELETE FROM tags WHERE name = $1 RETURNING commit_id", cancellationToken, name).ConfigureAwait(false) is not string before)
            {
                return false;
            }
            await InsertAuditAsync(c, audit is null ? null : audit with { Before = before }, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    public async IAsyncEnumerable<TagInfo> ListTagsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = string.Empty;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = await ReadAsync(async c =>
            {
                var list = new List<TagInfo>();
                using var command = Command(c, "SELECT name, commit_id FROM tags WHERE name > $1 ORDER BY name LIMIT $2", after, (long)ListPageSize);
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        list.Add(new TagInfo { Name = reader.GetString(0), CommitId = reader.GetString(1) });
                    }
                }
                return list;
            }, cancellationToken).ConfigureAwait(false);
            foreach (var tag in page)
            {
                yield return tag;
            }
            if (page.Count < ListPageSize)
            {
                yield break;
            }
            after = page[^1].Name;
        }
    }

    // ---- staged entries ----

    public Task<StageResult> StageAsync(StageRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return _stager.StageAsync(request);
    }

    /// <summary>The newest row at <paramref name="path"/> among <paramref name="tokens"/> (newest first), in one query.</summary>
    internal static async ValueTask<(bool Found, byte[]? Entry)> GetStagedAsync(NpgsqlConnection c, long[] tokens, byte[] path, CancellationToken cancellationToken)
    {
        using var command = Command(c, """
            SELECT s.entry FROM unnest($1::bigint[]) WITH ORDINALITY AS t(token, i) JOIN staged s ON s.token = t.token AND s.path = $2
            ORDER BY t.i LIMIT 1
            """, tokens, path);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return (false, null);
            }
            return (true, reader.IsDBNull(0) ? null : reader.GetFieldValue<byte[]>(0));
        }
    }

    /// <summary>The branch and the newest row at the path in one round trip (a lateral probe per staging area, newest first).</summary>
    public ValueTask<StagedLookup?> TryGetStagedAsync(string branch, byte[] path, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ReadAsync<StagedLookup?>(async c =>
        {
            using var command = Command(c, """
                SELECT b.name, b.head, b.staging_token, b.frozen_tokens, s.found, s.entry
                FROM branches b LEFT JOIN LATERAL (
                    SELECT true AS found, st.entry FROM unnest(b.staging_token || b.frozen_tokens) WITH ORDINALITY AS t(token, i)
                    JOIN staged st ON st.token = t.token AND st.path = $2
                    ORDER BY t.i LIMIT 1) s ON true
                WHERE b.name = $1
                """, branch, path);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }
                var record = ReadBranch(reader);
                var found = !reader.IsDBNull(4);
                return new StagedLookup(record, found, found && !reader.IsDBNull(5) ? reader.GetFieldValue<byte[]>(5) : null);
            }
        }, cancellationToken);
    }

    public ValueTask<bool> HasStagedAsync(BranchRecord branch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ReadAsync(async c => await ScalarAsync(c, "SELECT EXISTS (SELECT 1 FROM staged WHERE token = ANY($1))", cancellationToken, branch.Tokens).ConfigureAwait(false) is true,
            cancellationToken);
    }

    public async IAsyncEnumerable<StagedRow> ScanStagedAsync(long token, byte[] from, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var start = from;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = await ReadAsync(async c =>
            {
                var list = new List<StagedRow>(StagedPageSize);
                using var command = Command(c, "SELECT path, entry FROM staged WHERE token = $1 AND path >= $2 ORDER BY path LIMIT $3", token, start, (long)StagedPageSize);
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        list.Add(new StagedRow(reader.GetFieldValue<byte[]>(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<byte[]>(1)));
                    }
                }
                return list;
            }, cancellationToken).ConfigureAwait(false);
            foreach (var row in page)
            {
                yield return row;
            }
            if (page.Count < StagedPageSize)
            {
                yield break;
            }
            start = Keys.Successor(page[^1].Path);
        }
    }

    public ValueTask<int> DropStagedAsync(string branch, byte[] from, byte[] to, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return WriteAsync(async c =>
        {
            // A share lock on the row: a freeze waits, so no area is missed.
            var b = await GetBranchAsync(c, branch, "FOR SHARE", cancellationToken).ConfigureAwait(false)
                ?? throw new BranchNotFoundException($"Branch '{branch}' does not exist.");
            return await ExecuteAsync(c, "DELETE FROM staged WHERE token = ANY($1) AND path >= $2 AND path < $3", cancellationToken, b.Tokens, from, to).ConfigureAwait(false);
        }, cancellationToken);
    }

    // ---- branch protection ----

    public ValueTask<bool> AddBranchProtectionAsync(string pattern, DateTimeOffset created, AuditRecord? audit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return WriteAsync(async c =>
        {
            if (await ExecuteAsync(c, "INSERT INTO branch_protection(pattern, created) VALUES ($1, $2) ON CONFLICT (pattern) DO NOTHING",
                cancellationToken, pattern, created.UtcTicks).ConfigureAwait(false) == 0)
            {
                return false;
            }
            await InsertAuditAsync(c, audit, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    public ValueTask<bool> RemoveBranchProtectionAsync(string pattern, AuditRecord? audit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return WriteAsync(async c =>
        {
            if (await ExecuteAsync(c, "DELETE FROM branch_protection WHERE pattern = $1", cancellationToken, pattern).ConfigureAwait(false) == 0)
            {
                return false;
            }
            await InsertAuditAsync(c, audit, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <summary>
    /// One query of a small table, every time: a cache would need a round trip to check it is current, which costs
    /// what the query costs.
    /// </summary>
    public ValueTask<IReadOnlyList<BranchProtectionRule>> GetBranchProtectionAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ReadAsync<IReadOnlyList<BranchProtectionRule>>(async c =>
        {
            var rules = new List<BranchProtectionRule>();
            using var command = Command(c, "SELECT pattern, created FROM branch_protection ORDER BY pattern");
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var ticks = reader.GetInt64(1);
                    if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
                    {
                        throw new CorruptDataException($"{Capitalized} is damaged: branch-protection rule '{reader.GetString(0)}' has a creation time out of range ({ticks} ticks).");
                    }
                    rules.Add(new BranchProtectionRule
                    {
                        Pattern = reader.GetString(0),
                        Created = new DateTimeOffset(ticks, TimeSpan.Zero),
                    });
                }
            }
            return rules.Count == 0 ? [] : rules;
        }, cancellationToken);
    }

    // ---- audit log ----

    /// <summary>
    /// Appends one record with the next sequence. The counter row stays locked until the transaction commits, so a
    /// later sequence never commits first; callers append last in their transaction to keep that lock short.
    /// </summary>
    private static async ValueTask InsertAuditAsync(NpgsqlConnection c, AuditRecord? record, CancellationToken cancellationToken)
    {
        if (record is null)
        {
            return;
        }
        await ExecuteAsync(c, $"WITH {AuditCte("true", 1)} SELECT 1", cancellationToken, AuditValues(record)).ConfigureAwait(false);
    }

    /// <summary>
    /// Common table expressions that append one audit record when <paramref name="condition"/> holds and a record was
    /// given: its twelve values (<see cref="AuditValues"/>) are the parameters from <paramref name="first"/> on, the first
    /// of them whether there is a record. Ends with a comma, for the statement's own SELECT to follow.
    /// </summary>
    private static string AuditCte(string condition, int first)
    {
        var p = Enumerable.Range(first, 12).Select(i => "$" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return $"""
            next_audit AS (UPDATE counters SET value = value + 1 WHERE name = 'audit' AND {p[0]}::boolean AND {condition} RETURNING value),
            audited AS (
                INSERT INTO audit_log(seq, time, actor, action, ref, before, after, detail, hook, hook_event, hook_succeeded, hook_duration)
                SELECT next_audit.value, {p[1]}::bigint, {p[2]}::text, {p[3]}::text, {p[4]}::text, {p[5]}::text, {p[6]}::text, {p[7]}::text,
                    {p[8]}::text, {p[9]}::text, {p[10]}::boolean, {p[11]}::bigint FROM next_audit)
            """;
    }

    /// <summary>The parameters of <see cref="AuditCte"/> for <paramref name="record"/> (all null but the first when there is none).</summary>
    private static object?[] AuditValues(AuditRecord? record)
    {
        var hook = record?.Hook;
        return record is null
            ? [false, null, null, null, null, null, null, null, null, null, null, null]
            : [true, record.Time.UtcTicks, record.Actor, record.Action.ToString(), record.Ref, record.Before, record.After, hook?.Reason ?? record.Detail,
                hook?.Hook, hook?.Event.ToString(), hook?.Succeeded, hook?.Duration.Ticks];
    }

    public async ValueTask AppendAuditAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (records.Count == 0)
        {
            return;
        }
        await WriteAsync(async c =>
        {
            foreach (var record in records)
            {
                await InsertAuditAsync(c, record, cancellationToken).ConfigureAwait(false);
            }
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<AuditRecord> ListAuditAsync(AuditFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = filter.AfterSequence ?? 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = await ReadAsync(async c =>
            {
                var list = new List<AuditRecord>();
                using var command = Command(c, """
                    SELECT seq, time, actor, action, ref, before, after, detail, hook, hook_event, hook_succeeded, hook_duration FROM audit_log
                    WHERE seq > $1 AND ($2::text IS NULL OR ref = $2::text) AND ($3::bigint IS NULL OR time >= $3::bigint)
                        AND ($4::bigint IS NULL OR time < $4::bigint) AND ($5::text IS NULL OR action = $5::text)
                    ORDER BY seq LIMIT $6
                    """,
                    after, filter.Ref, filter.Since?.UtcTicks, filter.Until?.UtcTicks, filter.Action?.ToString(), (long)AuditPageSize);
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        list.Add(ReadAudit(reader));
                    }
                }
                return list;
            }, cancellationToken).ConfigureAwait(false);
            foreach (var record in page)
            {
                yield return record;
            }
            if (page.Count < AuditPageSize)
            {
                yield break;
            }
            after = page[^1].Sequence;
        }
    }

    private static readonly string[] HeadMoveActions = [.. HeadMoves.Actions.Select(a => a.ToString())];

    /// <summary>One seek in audit_log_by_ref_time (ref, time, seq), walked backwards past the ref's other records at those times.</summary>
    public ValueTask<AuditRecord?> FindHeadMoveAsync(string branch, DateTimeOffset time, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ReadAsync(async c =>
        {
            using var command = Command(c, """
                SELECT seq, time, actor, action, ref, before, after, detail, hook, hook_event, hook_succeeded, hook_duration FROM audit_log
                WHERE ref = $1 AND time <= $2 AND action = ANY($3)
                ORDER BY time DESC, seq DESC LIMIT 1
                """, branch, time.UtcTicks, HeadMoveActions);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadAudit(reader) : null;
            }
        }, cancellationToken);
    }

    private AuditRecord ReadAudit(NpgsqlDataReader r)
    {
        string? Text(int i) => r.IsDBNull(i) ? null : r.GetString(i);
        return new AuditRow(
            r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetString(3), r.GetString(4), Text(5), Text(6), Text(7), Text(8), Text(9),
            r.IsDBNull(10) ? null : r.GetBoolean(10), r.IsDBNull(11) ? null : r.GetInt64(11))
            .ToRecord(Capitalized);
    }

    // ---- retention and garbage collection ----

    /// <summary>
    /// Refuses <paramref name="commitId"/> when it is marked expired. Takes the expiry lock shared first (head moves and
    /// creates do not wait for each other), so a mark, which takes it exclusively, either commits before this check
    /// reads, or waits and then sees the ref this transaction makes.
    /// </summary>
    private async ValueTask ThrowIfExpiredAsync(NpgsqlConnection c, string commitId, string what, CancellationToken cancellationToken)
    {
        await ScalarAsync(c, ExpiryLockSql, cancellationToken, _schema).ConfigureAwait(false);
        if (await ScalarAsync(c, "SELECT 1 FROM expired_commits WHERE id = $1", cancellationToken, commitId).ConfigureAwait(false) is not null)
        {
            throw ExpiredCommit(commitId, what);
        }
    }

    private static CommitExpiredException ExpiredCommit(string commitId, string what) =>
        new($"Commit {commitId} has expired: garbage collection removed its content, so {what} cannot point at it. Choose a later commit.", commitId);

    /// <summary>Serialises creates of refs under one top-level name ($2) in one schema ($1), for the transaction.</summary>
    private const string RefNameLockSql = "SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))";

    /// <summary>The expiry lock of a schema ($1), shared: see <see cref="ThrowIfExpiredAsync"/>.</summary>
    private const string ExpiryLockSql = "SELECT pg_advisory_xact_lock_shared(hashtext('lakefs-expiry'), hashtext($1))";

    public ValueTask<RetentionRules?> GetRetentionAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ReadAsync(async c =>
        {
            int? defaultDays = null;
            var branches = new Dictionary<string, int>(StringComparer.Ordinal);
            using var command = Command(c, "SELECT branch, days FROM retention");
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var days = reader.GetInt64(1);
                    if (days is < 0 or > int.MaxValue)
                    {
                        throw new CorruptDataException($"{Capitalized} is damaged: the retention of '{reader.GetString(0)}' is {days} days.");
                    }
                    if (reader.GetString(0).Length == 0)
                    {
                        defaultDays = (int)days;
                    }
                    else
                    {
                        branches[reader.GetString(0)] = (int)days;
                    }
                }
            }
            if (defaultDays is null && branches.Count > 0)
            {
                throw new CorruptDataException($"{Capitalized} is damaged: it has retention overrides for branches but no default. Set the retention rules again.");
            }
            return defaultDays is { } d ? new RetentionRules(d) { BranchDays = branches } : null;
        }, cancellationToken);
    }

    public async ValueTask SetRetentionAsync(RetentionRules? rules, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await WriteAsync(async c =>
        {
            await ExecuteAsync(c, "DELETE FROM retention", cancellationToken).ConfigureAwait(false);
            if (rules is not null)
            {
                string[] names = ["", .. rules.BranchDays.Keys];
                long[] days = [rules.DefaultDays, .. rules.BranchDays.Values.Select(d => (long)d)];
                await ExecuteAsync(c, "INSERT INTO retention(branch, days) SELECT * FROM unnest($1::text[], $2::bigint[])", cancellationToken, names, days).ConfigureAwait(false);
            }
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<string> ListCommitIdsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = string.Empty;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = await ReadAsync(async c =>
            {
                var list = new List<string>(ListPageSize);
                using var command = Command(c,
                    "SELECT id FROM commits c WHERE id > $1 AND NOT EXISTS (SELECT 1 FROM expired_commits e WHERE e.id = c.id) ORDER BY id LIMIT $2",
                    after, (long)ListPageSize);
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        list.Add(reader.GetString(0));
                    }
                }
                return list;
            }, cancellationToken).ConfigureAwait(false);
            foreach (var id in page)
            {
                yield return id;
            }
            if (page.Count < ListPageSize)
            {
                yield break;
            }
            after = page[^1];
        }
    }

    /// <summary>
    /// Takes the expiry lock exclusively, then reads the refs and marks in one statement: a create or head move that
    /// checked before waits for no one and has committed its ref by then (see <see cref="ThrowIfExpiredAsync"/>).
    /// </summary>
    public async ValueTask<IReadOnlyList<string>> MarkCommitsExpiredAsync(IReadOnlyList<string> ids, DateTimeOffset time, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (ids.Count == 0)
        {
            return [];
        }
        var marked = await WriteAsync(async c =>
        {
            await ScalarAsync(c, "SELECT pg_advisory_xact_lock(hashtext('lakefs-expiry'), hashtext($1))", cancellationToken, _schema).ConfigureAwait(false);
            using var command = Command(c, """
                INSERT INTO expired_commits(id, expired)
                SELECT DISTINCT c.id, $2::bigint FROM unnest($1::text[]) AS u(id) JOIN commits c ON c.id = u.id
                WHERE NOT EXISTS (SELECT 1 FROM branches WHERE head = c.id) AND NOT EXISTS (SELECT 1 FROM tags WHERE commit_id = c.id)
                ON CONFLICT (id) DO NOTHING RETURNING id
                """, ids.ToArray(), time.UtcTicks);
            var done = new HashSet<string>(StringComparer.Ordinal);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    done.Add(reader.GetString(0));
                }
            }
            return done;
        }, cancellationToken).ConfigureAwait(false);
        var result = new List<string>(marked.Count);
        foreach (var id in ids)
        {
            if (marked.Remove(id))
            {
                result.Add(id);
                _expired.TryAdd(id, 0);
            }
        }
        return result;
    }

    /// <summary>From memory once found expired (marks are permanent); otherwise one indexed query.</summary>
    public async ValueTask<bool> IsCommitExpiredAsync(string id, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_expired.ContainsKey(id))
        {
            return true;
        }
        var expired = await ReadAsync(async c => await ScalarAsync(c, "SELECT 1 FROM expired_commits WHERE id = $1", cancellationToken, id).ConfigureAwait(false) is not null,
            cancellationToken).ConfigureAwait(false);
        if (expired)
        {
            if (_expired.Count >= MaxSeenBranches)
            {
                _expired.Clear();
            }
            _expired.TryAdd(id, 0);
        }
        return expired;
    }

    public ValueTask<IReadOnlyList<string>> GetCleanPartitionsAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ReadAsync<IReadOnlyList<string>>(async c =>
        {
            var hours = new List<string>();
            using var command = Command(c, "SELECT hour FROM gc_partitions ORDER BY hour");
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    hours.Add(reader.GetString(0));
                }
            }
            return hours;
        }, cancellationToken);
    }

    public async ValueTask UpdatePartitionsAsync(IReadOnlyCollection<string> clean, IReadOnlyCollection<string> dirty, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (clean.Count == 0 && dirty.Count == 0)
        {
            return;
        }
        await WriteAsync(async c =>
        {
            await ExecuteAsync(c, "INSERT INTO gc_partitions(hour) SELECT * FROM unnest($1::text[]) ON CONFLICT (hour) DO NOTHING", cancellationToken, (object)clean.ToArray()).ConfigureAwait(false);
            await ExecuteAsync(c, "DELETE FROM gc_partitions WHERE hour = ANY($1)", cancellationToken, (object)dirty.ToArray()).ConfigureAwait(false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _source.Dispose();
        _stagingSource.Dispose();
    }
}
