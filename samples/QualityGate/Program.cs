// A data-quality gate: main is protected (changes reach it only by merge), and a pre-merge hook reads every CSV file
// the merge would change, from the candidate the merge built, and rejects the merge at the first malformed row.
// The bad row is fixed on the branch and the merge goes through; the audit log shows the whole story.
using LakeFs.Core;
using LakeFs.Core.Errors;
using LakeFs.Core.Hooks;
using LakeFs.Core.Model;

var folder = Path.Combine(Path.GetTempPath(), "lakefs-quality-gate-" + Guid.NewGuid().ToString("N")[..8]);
try
{
    await using var repo = await Repository.CreateAsync(folder);
    await repo.PutObjectAsync("main", "sales/2026-11.csv", "id,region,amount\n1,emea,10.00\n2,apac,12.50\n");
    await repo.CommitAsync("main", "November sales");
    await repo.ProtectBranchesAsync("main");

    repo.Hooks.On(HookEvent.PreMerge, "csv-rows", CheckCsvAsync, branches: "main", timeout: TimeSpan.FromSeconds(30));

    // An ingest job writes December on its own branch; one row lost a column.
    await repo.BranchAsync("ingest", "main");
    await repo.PutObjectAsync("ingest", "sales/2026-12.csv", "id,region,amount\n3,emea,7.25\n4,amer\n5,apac,3.10\n");
    await repo.CommitAsync("ingest", "December sales");

    try
    {
        await repo.PutObjectAsync("main", "sales/2026-12.csv", "id,region,amount\n");
    }
    catch (ProtectedBranchException e)
    {
        Console.WriteLine($"Direct write refused: {e.Message}\n");
    }

    try
    {
        await repo.MergeAsync("ingest", "main");
    }
    catch (HookFailedException e)
    {
        Console.WriteLine($"Merge refused by '{e.Hook}' ({e.Event}): {e.Reason}");
        Console.WriteLine($"main still has {await CountAsync(repo, "main")} object(s)\n");
    }

    // Fix the data where it was written, and merge again.
    await repo.PutObjectAsync("ingest", "sales/2026-12.csv", "id,region,amount\n3,emea,7.25\n4,amer,1.00\n5,apac,3.10\n");
    await repo.CommitAsync("ingest", "December sales: restore the amount of row 4");
    var merged = await repo.MergeAsync("ingest", "main");
    Console.WriteLine($"Merged as {merged.Head[..12]}: main has {await CountAsync(repo, "main")} object(s)\n");

    Console.WriteLine("Audit log:");
    await foreach (var record in repo.GetAuditLogAsync())
    {
        var what = record.Hook is { } run
            ? $"hook {run.Hook} {(run.Succeeded ? "passed" : "failed: " + run.Reason)}"
            : $"{record.Before?[..8] ?? "-"} -> {record.After?[..8] ?? "-"} {record.Detail}";
        Console.WriteLine($"  {record.Sequence,3} {record.Action,-15} {record.Ref,-8} {what}");
    }
}
finally
{
    Directory.Delete(folder, recursive: true);
}

// Every CSV file the merge adds or changes must have as many fields in each row as in its header.
static async ValueTask<HookResult> CheckCsvAsync(HookContext context, CancellationToken token)
{
    await foreach (var change in context.GetChangesAsync(token))
    {
        if (change.Right is null || !change.Path.EndsWith(".csv", StringComparison.Ordinal))
        {
            continue;
        }
        // Read from the candidate: the merge result, already a commit, while readers of main still see the old head.
        var stream = await context.Repository.OpenReadAsync(context.CandidateId!, change.Path, cancellationToken: token);
        await using (stream)
        {
            using var reader = new StreamReader(stream);
            var columns = (await reader.ReadLineAsync(token))?.Split(',').Length ?? 0;
            var number = 1;
            while (await reader.ReadLineAsync(token) is { } line)
            {
                number++;
                var fields = line.Split(',').Length;
                if (fields != columns)
                {
                    return HookResult.Fail($"{change.Path} line {number} has {fields} fields, the header {columns}");
                }
            }
        }
    }
    return HookResult.Success;
}

static async Task<int> CountAsync(Repository repo, string @ref)
{
    var count = 0;
    await foreach (var _ in repo.ListObjectsAsync(@ref))
    {
        count++;
    }
    return count;
}
