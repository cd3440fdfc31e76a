using LakeFs.Benchmarks.Infrastructure;

namespace LakeFs.Benchmarks.Scenarios.SideBySide;

/// <summary>Writes files into a git work tree at the same paths LakeFs uses.</summary>
internal static class WorkTree
{
    public static void Write(string root, IReadOnlyList<int> files, Func<int, byte[]> content)
    {
        var created = new HashSet<string>(StringComparer.Ordinal);
        foreach (var i in files)
        {
            var path = Path.Combine(root, Fixtures.PathOf(i));
            var folder = Path.GetDirectoryName(path)!;
            if (created.Add(folder))
            {
                Directory.CreateDirectory(folder);
            }
            File.WriteAllBytes(path, content(i));
        }
    }
}
