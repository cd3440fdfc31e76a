using System.IO.Enumeration;
using LakeFs.Core.Errors;
using LakeFs.Core.Refs;

namespace LakeFs.Core.Transfer;

/// <summary>
/// The files beneath a folder, as objects to upload: each file's path relative to the folder, its segments joined by
/// '/' whatever the OS, after a prefix. Symbolic links are skipped (to files and to folders alike: a link is never
/// followed, so an upload cannot leave the folder or loop); hidden files are included; empty folders give nothing.
/// Every path is validated before the first byte is uploaded.
/// </summary>
internal static class FolderWalk
{
    private static readonly EnumerationOptions OneLevel = new()
    {
        RecurseSubdirectories = false,
        IgnoreInaccessible = false,
        AttributesToSkip = 0,
        ReturnSpecialDirectories = false,
    };

    /// <summary>Walks <paramref name="root"/> (a full path); returns the files in object-path order and the links skipped.</summary>
    /// <exception cref="TransferFailedException">A folder cannot be read, or a file's path cannot be an object path.</exception>
    public static (List<LocalFile> Files, long Bytes, long Skipped) Collect(string root, string prefix, CancellationToken cancellationToken)
    {
        var files = new List<LocalFile>();
        long bytes = 0;
        long skipped = 0;
        var folders = new Stack<(string Path, string ObjectPrefix)>();
        folders.Push((root, prefix));
        while (folders.TryPop(out var folder))
        {
            cancellationToken.ThrowIfCancellationRequested();
            List<(string Name, bool IsLink, bool IsFolder, long Length)> entries;
            try
            {
                entries = [.. new FileSystemEnumerable<(string, bool, bool, long)>(
                    folder.Path,
                    (ref FileSystemEntry e) => (e.FileName.ToString(), e.Attributes.HasFlag(FileAttributes.ReparsePoint), e.IsDirectory, e.Length),
                    OneLevel)];
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new TransferFailedException(
                    $"Cannot read the folder '{folder.Path}' to upload it: {e.Message} Nothing was uploaded; make the folder readable (or move it out) and upload again.",
                    folder.ObjectPrefix, folder.Path, 0, e);
            }
            foreach (var (name, isLink, isFolder, length) in entries)
            {
                var objectPath = folder.ObjectPrefix + name;
                var localPath = Path.Join(folder.Path, name);
                if (isLink)
                {
                    skipped++;
                }
                else if (isFolder)
                {
                    folders.Push((localPath, objectPath + "/"));
                }
                else
                {
                    try
                    {
                        Names.ValidatePath(objectPath);
                    }
                    catch (InvalidPathException e)
                    {
                        throw new TransferFailedException(
                            $"The file '{localPath}' cannot be uploaded: {e.Message} Nothing was uploaded; rename the file (or move it out) and upload again.",
                            objectPath, localPath, 0, e);
                    }
                    files.Add(new LocalFile(localPath, objectPath, length));
                    bytes += length;
                }
            }
        }
        // In path order, so staged rows arrive roughly in the order the ref store keeps them.
        files.Sort(static (a, b) => string.CompareOrdinal(a.ObjectPath, b.ObjectPath));
        return (files, bytes, skipped);
    }
}
