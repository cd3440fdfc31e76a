using System.Security.Cryptography;
using System.Text;
using LakeFs.Core.Trees;
using LakeFs.Core.Model;

namespace LakeFs.Core.Tests.TestSupport;

/// <summary>Shared helpers for repository tests: small range files so that even a few dozen objects span several ranges.</summary>
internal static class TestRepositories
{
    public static TreeOptions SmallTree { get; } = new() { BlockSize = 256, MinRangeBytes = 512, BoundaryBits = 2, MaxRangeBytes = 4096 };

    public static Task<Repository> CreateLocalAsync(string folder, TimeProvider? time = null) =>
        Repository.CreateAsync(Repository.LocalOptions(folder) with { Tree = SmallTree, TimeProvider = time ?? TimeProvider.System });

    public static async Task<ObjectInfo> PutTextAsync(this Repository repo, string branch, string path, string text, PutObjectOptions? options = null)
    {
        using var content = new MemoryStream(Encoding.UTF8.GetBytes(text));
        return await repo.PutObjectAsync(branch, path, content, options);
    }

    public static async Task<string> ReadTextAsync(this Repository repo, string @ref, string path)
    {
        var stream = await repo.OpenReadAsync(@ref, path);
        await using (stream)
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return await reader.ReadToEndAsync();
        }
    }

    public static async Task<byte[]> ReadBytesAsync(this Repository repo, string @ref, string path)
    {
        var stream = await repo.OpenReadAsync(@ref, path);
        await using (stream)
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer);
            return buffer.ToArray();
        }
    }

    public static async Task<List<T>> ToListAsync<T>(this IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }
        return list;
    }

    public static async Task<List<string>> ListPathsAsync(this Repository repo, string @ref, string? prefix = null, string? delimiter = null, string? after = null) =>
        (await repo.ListObjectsAsync(@ref, prefix, delimiter, after).ToListAsync()).Select(i => i.Path).ToList();

    public static string Sha256Hex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Everything a caller can observe about a repository's refs and one listing per branch, for before/after comparisons.</summary>
    public static async Task<string> SnapshotAsync(this Repository repo)
    {
        var text = new StringBuilder();
        foreach (var branch in await repo.ListBranchesAsync().ToListAsync())
        {
            text.Append("branch ").Append(branch.Name).Append(' ').AppendLine(branch.Head);
            foreach (var item in await repo.ListObjectsAsync(branch.Name).ToListAsync())
            {
                text.Append("  ").Append(item.Path).Append(' ').Append(item.Object!.Checksum).Append(' ').AppendLine(item.Object.ContentType);
            }
            foreach (var item in await repo.ListObjectsAsync(branch.Name + "@").ToListAsync())
            {
                text.Append("  @").Append(item.Path).Append(' ').AppendLine(item.Object!.Checksum);
            }
        }
        foreach (var tag in await repo.ListTagsAsync().ToListAsync())
        {
            text.Append("tag ").Append(tag.Name).Append(' ').AppendLine(tag.CommitId);
        }
        return text.ToString();
    }
}
