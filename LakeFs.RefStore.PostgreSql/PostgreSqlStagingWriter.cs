using LakeFs.Core.Refs;
using Npgsql;
using NpgsqlTypes;

namespace LakeFs.RefStore.PostgreSql;

/// <summary>
/// The <see cref="GroupCommitWriter"/> of the PostgreSQL store: one batch in flight per store instance, and the
/// calls that arrive meanwhile share the next write. A batch takes a share lock on its branch rows (in name order), so
/// a freeze or head move of one of them waits for it and a write never lands in an area that was frozen before it; a
/// branch a protection rule covers gets no row. Rows go in (token, path) order, so two batches writing the same rows
/// cannot deadlock. A batch of plain writes is one statement, a single round trip; a batch with a conditional write
/// (put if absent) reads the branches first and checks those writes in a transaction.
/// </summary>
internal sealed class PostgreSqlStagingWriter(PostgreSqlRefStore refs) : GroupCommitWriter
{
    /// <summary>
    /// Whether a protection rule covers the branch row <c>b</c>. Rule globs have '*' (any run) and '?' (one character)
    /// and otherwise only characters of ref names, of which '_' alone means something to LIKE; names compare as bytes.
    /// </summary>
    private const string ProtectedColumn = """
        EXISTS (SELECT 1 FROM branch_protection p WHERE b.name LIKE replace(replace(replace(p.pattern, '_', '\_'), '*', '%'), '?', '_') ESCAPE '\')
        """;

    protected override ValueTask<StageResult[]> WriteBatchAsync(List<StageRequest> batch) =>
        batch.Exists(r => r.IfAbsentAtHead is not null)
            ? refs.WriteAsync(c => WriteCheckedAsync(c, batch), CancellationToken.None, staging: true)
            : refs.WriteAsync(c => WritePlainAsync(c, batch), CancellationToken.None, implicitTransaction: true, staging: true);

    private static async ValueTask<StageResult[]> WritePlainAsync(NpgsqlConnection c, List<StageRequest> batch)
    {
        // Last write wins within the batch; a branch has one current staging area, so (branch, path) names the row.
        var rows = new SortedDictionary<(string Branch, byte[] Path), byte[]?>(Comparer<(string Branch, byte[] Path)>.Create((a, b) =>
        {
            var byBranch = string.CompareOrdinal(a.Branch, b.Branch);
            return byBranch != 0 ? byBranch : a.Path.AsSpan().SequenceCompareTo(b.Path);
        }));
        foreach (var request in batch)
        {
            rows[(request.Branch, request.Path)] = request.Entry;
        }
        var names = rows.Keys.Select(k => k.Branch).Distinct(StringComparer.Ordinal).ToArray();
        var branches = new Dictionary<string, bool>(StringComparer.Ordinal);
        using (var command = PostgreSqlRefStore.Command(c, $"""
            WITH b AS (
                SELECT b.name, b.staging_token, {ProtectedColumn} AS protected
                FROM branches b WHERE b.name = ANY($1) ORDER BY b.name FOR SHARE OF b),
            written AS (
                INSERT INTO staged(token, path, entry)
                SELECT b.staging_token, u.path, u.entry
                FROM unnest($2::text[], $3::bytea[], $4::bytea[]) AS u(branch, path, entry) JOIN b ON b.name = u.branch AND NOT b.protected
                ORDER BY 1, 2
                ON CONFLICT (token, path) DO UPDATE SET entry = EXCLUDED.entry)
            SELECT name, protected FROM b
            """,
            names,
            rows.Keys.Select(k => k.Branch).ToArray(),
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea, Value = rows.Keys.Select(k => k.Path).ToArray() },
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea, Value = rows.Values.ToArray() }))
        {
            var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync().ConfigureAwait(false))
                {
                    branches[reader.GetString(0)] = reader.GetBoolean(1);
                }
            }
        }
        return [.. batch.Select(r => branches.TryGetValue(r.Branch, out var isProtected)
            ? isProtected ? StageResult.Protected : StageResult.Staged
            : StageResult.BranchNotFound)];
    }

    private static async ValueTask<StageResult[]> WriteCheckedAsync(NpgsqlConnection c, List<StageRequest> batch)
    {
        var names = batch.Select(r => r.Branch).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var branches = new Dictionary<string, (BranchRecord Branch, bool Protected)>(StringComparer.Ordinal);
        using (var command = PostgreSqlRefStore.Command(c,
            $"SELECT b.name, b.head, b.staging_token, b.frozen_tokens, {ProtectedColumn} FROM branches b WHERE b.name = ANY($1) ORDER BY b.name FOR SHARE OF b", (object)names))
        {
            var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync().ConfigureAwait(false))
                {
                    var b = new BranchRecord(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetFieldValue<long[]>(3));
                    branches[b.Name] = (b, reader.GetBoolean(4));
                }
            }
        }
        // Rows this batch writes, last write wins; a conditional write later in the batch sees them.
        var rows = new SortedDictionary<(long Token, byte[] Path), byte[]?>(Comparer<(long Token, byte[] Path)>.Create((a, b) =>
            a.Token != b.Token ? a.Token.CompareTo(b.Token) : a.Path.AsSpan().SequenceCompareTo(b.Path)));
        var results = new StageResult[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var request = batch[i];
            if (!branches.TryGetValue(request.Branch, out var found))
            {
                results[i] = StageResult.BranchNotFound;
                continue;
            }
            if (found.Protected)
            {
                results[i] = StageResult.Protected;
                continue;
            }
            var branch = found.Branch;
            if (request.IfAbsentAtHead is { } head)
            {
                if (branch.Head != head)
                {
                    results[i] = StageResult.HeadMoved;
                    continue;
                }
                var live = rows.TryGetValue((branch.StagingToken, request.Path), out var pending)
                    ? pending is not null
                    : (await PostgreSqlRefStore.GetStagedAsync(c, branch.Tokens, request.Path, CancellationToken.None).ConfigureAwait(false)) is (true, not null);
                if (live)
                {
                    results[i] = StageResult.AlreadyExists;
                    continue;
                }
            }
            rows[(branch.StagingToken, request.Path)] = request.Entry;
            results[i] = StageResult.Staged;
        }
        if (rows.Count > 0)
        {
            using var insert = PostgreSqlRefStore.Command(c, """
                INSERT INTO staged(token, path, entry) SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bytea[])
                ON CONFLICT (token, path) DO UPDATE SET entry = EXCLUDED.entry
                """,
                rows.Keys.Select(k => k.Token).ToArray(),
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea, Value = rows.Keys.Select(k => k.Path).ToArray() },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea, Value = rows.Values.ToArray() });
            await insert.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        return results;
    }
}
