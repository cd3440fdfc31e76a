using LakeFs.Core.Refs;
using Npgsql;
using NpgsqlTypes;

namespace LakeFs.RefStore.PostgreSql;

/// <summary>
/// The <see cref="GroupCommitWriter"/> of the PostgreSQL store: one batch in flight per store instance, and the
/// calls that arrive meanwhile share the next transaction. A batch takes a share lock on its branch rows
/// (in name order), so a freeze or head move of one of them waits for it and a write never lands in an area that was
/// frozen before it; then it checks the conditional writes and inserts every row with one statement, in (token, path)
/// order so that two batches writing the same rows cannot deadlock.
/// </summary>
internal sealed class PostgreSqlStagingWriter(PostgreSqlRefStore refs) : GroupCommitWriter
{
    protected override ValueTask<StageResult[]> WriteBatchAsync(List<StageRequest> batch) =>
        refs.WriteAsync(c => WriteAsync(c, batch), CancellationToken.None);

    private static async ValueTask<StageResult[]> WriteAsync(NpgsqlConnection c, List<StageRequest> batch)
    {
        var names = batch.Select(r => r.Branch).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var branches = new Dictionary<string, BranchRecord>(StringComparer.Ordinal);
        using (var command = PostgreSqlRefStore.Command(c,
            "SELECT name, head, staging_token, frozen_tokens FROM branches WHERE name = ANY($1) ORDER BY name FOR SHARE", (object)names))
        {
            var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync().ConfigureAwait(false))
                {
                    var b = new BranchRecord(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetFieldValue<long[]>(3));
                    branches[b.Name] = b;
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
            if (!branches.TryGetValue(request.Branch, out var branch))
            {
                results[i] = StageResult.BranchNotFound;
                continue;
            }
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
