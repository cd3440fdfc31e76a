namespace LakeFs.Gateway.Tests.TestSupport;

/// <summary>Writes a folder tree of random files and compares two trees byte for byte.</summary>
public static class FolderTree
{
    public static IReadOnlyList<string> Write(string root, int files, int seed, int maxSize = 300_000)
    {
        var random = new Random(seed);
        string[] folders = ["", "a", "a/b", "with space", "deep/er/still", "ü"];
        var written = new List<string>();
        for (var i = 0; i < files; i++)
        {
            var relative = Path.Combine(folders[i % folders.Length], $"file-{i}{(i % 3 == 0 ? ".csv" : ".bin")}");
            var path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var bytes = new byte[i == 0 ? 0 : random.Next(1, maxSize)];
            random.NextBytes(bytes);
            File.WriteAllBytes(path, bytes);
            written.Add(relative.Replace('\\', '/'));
        }
        return written;
    }

    /// <summary>Asserts that both folders hold the same relative paths with the same bytes.</summary>
    public static void AssertSame(string expected, string actual)
    {
        var expectedFiles = Relative(expected);
        Assert.That(Relative(actual), Is.EqualTo(expectedFiles), "the same files");
        foreach (var file in expectedFiles)
        {
            var a = File.ReadAllBytes(Path.Combine(expected, file));
            var b = File.ReadAllBytes(Path.Combine(actual, file));
            Assert.That(b.AsSpan().SequenceEqual(a), Is.True, $"{file}: the same bytes");
        }
    }

    private static List<string> Relative(string root) =>
        [.. Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).Order(StringComparer.Ordinal)];
}
