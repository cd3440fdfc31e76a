using LakeFs.Core.Errors;
using LakeFs.Core.Refs;

namespace LakeFs.Core.Transfer;

/// <summary>The prefix of an upload or download names a folder in the repository: "data" and "data/" are the same.</summary>
internal static class FolderPrefix
{
    /// <summary>Empty for the whole repository, otherwise the prefix ending with one '/'.</summary>
    /// <exception cref="InvalidPathException">The prefix could not start an object path.</exception>
    public static string Normalize(string? prefix)
    {
        if (string.IsNullOrEmpty(prefix))
        {
            return "";
        }
        var folder = prefix.EndsWith('/') ? prefix : prefix + "/";
        // A file name after it must make a valid object path: no leading '/', no "." or ".." or empty segment.
        Names.ValidatePrefix(folder);
        if (folder[0] == '/' || folder.Contains("//", StringComparison.Ordinal)
            || folder.Split('/').Any(segment => segment is "." or ".."))
        {
            throw new InvalidPathException($"The prefix '{Names.Show(prefix)}' cannot name a folder in the repository: it starts with '/' or has an empty, '.' or '..' segment.");
        }
        return folder;
    }
}
