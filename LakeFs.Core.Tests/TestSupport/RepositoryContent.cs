using System.Text;

namespace LakeFs.Core.Tests.TestSupport;

/// <summary>Small helpers to write text objects and read back what a ref shows.</summary>
internal static class RepositoryContent
{
    public static async Task PutTextAsync(this Repository repo, string branch, string path, string text) =>
        await repo.PutObjectAsync(branch, path, new MemoryStream(Encoding.UTF8.GetBytes(text)));

    /// <summary>Every object a ref shows, by path, with its bytes.</summary>
    public static async Task<SortedDictionary<string, byte[]>> ReadBytesAsync(this Repository repo, string @ref)
    {
        var result = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        await foreach (var item in repo.ListObjectsAsync(@ref))
        {
            var stream = await repo.OpenReadAsync(@ref, item.Path);
            await using (stream)
            {
                using var buffer = new MemoryStream();
                await stream.CopyToAsync(buffer);
                result[item.Path] = buffer.ToArray();
            }
        }
        return result;
    }

    /// <summary>Every object a ref shows, by path, with its text.</summary>
    public static async Task<SortedDictionary<string, string>> ReadTextAsync(this Repository repo, string @ref)
    {
        var bytes = await repo.ReadBytesAsync(@ref);
        return new SortedDictionary<string, string>(bytes.ToDictionary(p => p.Key, p => Encoding.UTF8.GetString(p.Value)), StringComparer.Ordinal);
    }

    /// <summary>Every branch's head, by name.</summary>
    public static async Task<SortedDictionary<string, string>> HeadsAsync(this Repository repo)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        await foreach (var branch in repo.ListBranchesAsync())
        {
            result[branch.Name] = branch.Head;
        }
        return result;
    }
}
