// The promotion workflow on a local folder: load data on main, change it on an isolated branch,
// see that main is untouched, and pin a release with a tag.
using System.Text;
using LakeFs.Core;
using LakeFs.Core.Model;

var folder = Path.Combine(Path.GetTempPath(), "lakefs-quickstart-" + Guid.NewGuid().ToString("N")[..8]);
try
{
    await using var repo = await Repository.CreateAsync(folder);
    Console.WriteLine($"Created repository {repo.Id[..8]} in {folder} (default branch '{repo.DefaultBranch}')");

    // 1. Load a first version of the data on main and commit it.
    await Put(repo, "main", "tables/users/part-0.csv", "id,name\n1,ada\n2,grace\n");
    await Put(repo, "main", "tables/orders/part-0.csv", "id,user,total\n10,1,9.50\n");
    await Put(repo, "main", "README.txt", "sales lake v1\n");
    var v1 = await repo.CommitAsync("main", "Load users and orders", new CommitOptions { Metadata = new Dictionary<string, string> { ["job"] = "quickstart" } });
    Console.WriteLine($"Committed {v1.Id[..12]} on main: {v1.Statistics!.Changes} changes, {v1.Statistics.RangesWritten} range(s) written");

    // 2. Tag it as a release: the tag pins this exact data forever.
    await repo.TagAsync("v1", "main");

    // 3. Branch off and change data in isolation.
    await repo.BranchAsync("ingest", "main");
    await Put(repo, "ingest", "tables/users/part-1.csv", "id,name\n3,linus\n");
    await Put(repo, "ingest", "tables/orders/part-0.csv", "id,user,total\n10,1,9.50\n11,3,120.00\n");
    await repo.DeleteObjectAsync("ingest", "README.txt");
    var ingest = await repo.CommitAsync("ingest", "Nightly ingest");
    Console.WriteLine($"Committed {ingest.Id[..12]} on ingest: {ingest.Statistics!.Changes} changes, " +
                      $"{ingest.Statistics.RangesWritten} range(s) written, {ingest.Statistics.RangesReused} reused");

    Console.WriteLine("\nLog of ingest:");
    await foreach (var commit in repo.LogAsync("ingest"))
    {
        Console.WriteLine($"  {commit.Id[..12]}  {commit.CreationDate:u}  {commit.Message}");
    }

    await Show(repo, "ingest", "What a reader of branch 'ingest' sees");
    await Show(repo, "main", "What a reader of branch 'main' sees (isolated from ingest)");
    await Show(repo, "v1", "What a reader of tag 'v1' sees (pinned)");

    Console.WriteLine("\nFolders under tables/ on ingest:");
    await foreach (var item in repo.ListObjectsAsync("ingest", prefix: "tables/", delimiter: "/"))
    {
        Console.WriteLine($"  {item.Path}");
    }

    // 4. See exactly what ingest changed, then publish all of it into main atomically.
    Console.WriteLine("\nDiff main..ingest:");
    await foreach (var change in repo.DiffAsync("main", "ingest"))
    {
        Console.WriteLine($"  {change.Kind,-8} {change.Path}");
    }
    var merge = await repo.MergeAsync("ingest", "main", new MergeOptions { FastForward = FastForward.Never });
    Console.WriteLine($"\nMerged ingest into main as {merge.Head[..12]}: {merge.Changes} changes applied");
    await Show(repo, "main", "What a reader of 'main' sees after the merge");

    // 5. The load turns out to be bad: undo the whole merge in one call.
    var revert = await repo.RevertAsync("main", merge.Head, new RevertOptions { ParentNumber = 1 });
    Console.WriteLine($"\nReverted the merge as {revert.Id[..12]} ({revert.Message})");
    await Show(repo, "main", "What a reader of 'main' sees after the revert (back to v1)");
    var backToV1 = !await repo.DiffAsync("v1", "main").AnyAsync();
    Console.WriteLine($"\nmain matches tag v1 again: {backToV1}");
}
finally
{
    if (Directory.Exists(folder))
    {
        Directory.Delete(folder, recursive: true);
    }
}

static async Task Put(Repository repo, string branch, string path, string text)
{
    using var content = new MemoryStream(Encoding.UTF8.GetBytes(text));
    await repo.PutObjectAsync(branch, path, content, new PutObjectOptions { ContentType = "text/csv" });
}

static async Task Show(Repository repo, string @ref, string title)
{
    Console.WriteLine($"\n{title}:");
    await foreach (var item in repo.ListObjectsAsync(@ref))
    {
        await using var stream = await repo.OpenReadAsync(@ref, item.Path);
        using var reader = new StreamReader(stream);
        var lines = (await reader.ReadToEndAsync()).TrimEnd().Split('\n');
        Console.WriteLine($"  {item.Path,-28} {item.Object!.Size,5} B  {lines.Length - 1} data row(s), last: {lines[^1]}");
    }
}
