using LakeFs.Core.Hooks;

namespace LakeFs.Core.Refs;

/// <summary>
/// The <see cref="GroupCommitWriter"/> of the SQLite store: a batch is one SQLite transaction, written synchronously
/// on the writer's thread. Each row goes to the branch's staging token as read inside that transaction, so a commit
/// freezing the token can never miss it; a branch a protection rule covers in that transaction gets no row.
/// </summary>
internal sealed class StagingWriter(SqliteRefStore refs) : GroupCommitWriter
{
    protected override ValueTask<StageResult[]> WriteBatchAsync(List<StageRequest> batch) => ValueTask.FromResult(Write(batch));

    private StageResult[] Write(List<StageRequest> batch)
    {
        using var s = refs.Open();
        return s.Write(tx =>
        {
            var rules = ProtectionRules(tx);
            var results = new StageResult[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                var request = batch[i];
                if (rules.Count > 0 && rules.Exists(rule => rule.IsMatch(request.Branch)))
                {
                    results[i] = StageResult.Protected;
                    continue;
                }
                if (request.IfAbsentAtHead is { } head)
                {
                    var branch = SqliteRefStore.GetBranch(tx, request.Branch);
                    if (branch is null)
                    {
                        results[i] = StageResult.BranchNotFound;
                        continue;
                    }
                    if (branch.Head != head)
                    {
                        results[i] = StageResult.HeadMoved;
                        continue;
                    }
                    var (found, entry) = SqliteRefStore.GetStaged(tx, branch.Tokens, request.Path);
                    if (found && entry is not null)
                    {
                        results[i] = StageResult.AlreadyExists;
                        continue;
                    }
                }
                var rows = tx.Execute(
                    "INSERT OR REPLACE INTO staged(token, path, entry) SELECT staging_token, $2, $3 FROM branches WHERE name = $1",
                    request.Branch, request.Path, request.Entry);
                results[i] = rows == 0 ? StageResult.BranchNotFound : StageResult.Staged;
            }
            return results;
        });
    }

    /// <summary>The branch-protection rules as this write transaction sees them (usually none).</summary>
    private static List<RefPattern> ProtectionRules(SqliteSession tx)
    {
        var rules = new List<RefPattern>();
        using var reader = tx.Query("SELECT pattern FROM branch_protection");
        while (reader.Read())
        {
            rules.Add(RefPattern.Parse(reader.GetString(0)));
        }
        return rules;
    }
}
