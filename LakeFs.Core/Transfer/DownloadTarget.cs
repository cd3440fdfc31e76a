using System.Buffers;
using System.Collections.Concurrent;
using LakeFs.Core.Errors;

namespace LakeFs.Core.Transfer;

/// <summary>
/// The folder a download writes into. Maps object paths to files beneath it, refusing any that would land elsewhere;
/// creates the folders between, refusing to pass through a symbolic link; writes each file under a temporary name
/// in its final folder and renames it into place, so a file at an object's path is always complete.
/// </summary>
internal sealed class DownloadTarget
{
    /// <summary>Temporary files are named <c>.lakefs-download-&lt;16 hex digits&gt;.tmp</c> (a process killed mid-file leaves one).</summary>
    public const string TempPrefix = ".lakefs-download-";

    private static readonly char[] ForbiddenInNames = [.. Path.GetInvalidFileNameChars().Append(Path.DirectorySeparatorChar).Append(Path.AltDirectorySeparatorChar).Distinct()];

    private readonly string _root;
    private readonly string _rootWithSeparator;
    private readonly bool _overwrite;
    private readonly ConcurrentDictionary<string, bool> _folders = new(StringComparer.Ordinal);

    private DownloadTarget(string root, bool overwrite)
    {
        _root = root;
        _rootWithSeparator = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        _overwrite = overwrite;
        _folders[root] = true;
    }

    /// <summary>Creates <paramref name="root"/> (a full path) when missing.</summary>
    /// <exception cref="FolderNotEmptyException">The folder holds something and <paramref name="overwrite"/> is off.</exception>
    public static DownloadTarget Prepare(string root, bool overwrite)
    {
        if (Directory.Exists(root))
        {
            if (!overwrite && Directory.EnumerateFileSystemEntries(root).Any())
            {
                throw new FolderNotEmptyException(
                    $"The folder '{root}' is not empty. Download into an empty or new folder, or set DownloadOptions.Overwrite to replace files at the objects' paths (other files stay).");
            }
        }
        else
        {
            Directory.CreateDirectory(root);
        }
        return new DownloadTarget(root, overwrite);
    }

    /// <summary>The full local path of the object at <paramref name="relativePath"/> (the object path after the prefix).</summary>
    /// <exception cref="InvalidPathException">The path cannot be a file beneath the folder on this OS.</exception>
    public string LocalPathOf(string relativePath)
    {
        var segments = relativePath.Split('/');
        foreach (var segment in segments)
        {
            if (segment.Length == 0 || segment is "." or ".." || segment.IndexOfAny(ForbiddenInNames) >= 0)
            {
                throw new InvalidPathException(
                    $"The object path has the segment '{segment}' after the prefix, which cannot name a file or folder on this system; " +
                    "download it alone with OpenReadAsync, or rename it in the repository.");
            }
        }
        var full = Path.GetFullPath(Path.Join(_root, Path.Join(segments)));
        // Cannot happen after the checks above; checked anyway, as the last word on where a download writes.
        if (!full.StartsWith(_rootWithSeparator, StringComparison.Ordinal))
        {
            throw new InvalidPathException($"The object path would be written at '{full}', outside the folder '{_root}'; nothing was written there.");
        }
        return full;
    }

    /// <summary>Writes <paramref name="content"/> to a temporary file beside <paramref name="path"/> and renames it into place.</summary>
    /// <returns>The bytes written.</returns>
    public async Task<long> WriteAsync(string path, Stream content, CancellationToken cancellationToken)
    {
        var folder = Path.GetDirectoryName(path)!;
        EnsureFolder(folder);
        var temp = Path.Join(folder, TempPrefix + Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.NextInt64())) + ".tmp");
        try
        {
            long written = 0;
            var buffer = ArrayPool<byte>.Shared.Rent(81920);
            try
            {
                using var handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    // Into the page cache: an asynchronous write would only add a thread-pool hop.
                    RandomAccess.Write(handle, buffer.AsSpan(0, read), written);
                    written += read;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            File.Move(temp, path, _overwrite);
            return written;
        }
        catch
        {
            try
            {
                File.Delete(temp);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left behind under its temporary name; the write's own error is the one to report.
            }
            throw;
        }
    }

    /// <summary>Creates the folders from the root down to <paramref name="folder"/>, refusing to pass through a link or a file.</summary>
    private void EnsureFolder(string folder)
    {
        if (_folders.ContainsKey(folder))
        {
            return;
        }
        EnsureFolder(Path.GetDirectoryName(folder)!);
        var info = new DirectoryInfo(folder);
        if (info.LinkTarget is not null)
        {
            throw new IOException($"'{folder}' is a symbolic link; a download never writes through links. Remove it, or download into another folder.");
        }
        if (!info.Exists)
        {
            if (File.Exists(folder))
            {
                throw new IOException($"'{folder}' is a file, but objects lie beneath that path; download into another folder.");
            }
            info.Create();
        }
        _folders[folder] = true;
    }
}
