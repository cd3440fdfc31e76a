namespace LakeFs.Storage.Local;

/// <summary>
/// One folder being walked by a listing: its key prefix ("" or ending in '/'), its sorted children and, on Linux, the
/// folder still open, so a file's size and time are read relative to it only when the listing reaches the file.
/// </summary>
internal sealed class LocalListingFrame(string keyPrefix, LocalListingEntry[] entries, nint openFolder = 0) : IDisposable
{
    private nint _openFolder = openFolder;
    private readonly int _folderFd = openFolder == 0 ? -1 : NativeMethods.DirFd(openFolder);

    public string KeyPrefix { get; } = keyPrefix;

    public LocalListingEntry[] Entries { get; } = entries;

    public int Next { get; set; }

    /// <summary>
    /// The size and time of the file <paramref name="entry"/> names: those read with the folder, or read now when the
    /// entry <see cref="LocalListingEntry.NeedsStat"/>. <c>false</c> when the file is gone or no longer a plain file.
    /// </summary>
    public bool TryGetFacts(LocalListingEntry entry, out long size, out DateTime lastWriteTimeUtc)
    {
        if (!entry.NeedsStat)
        {
            (size, lastWriteTimeUtc) = (entry.Length, entry.LastWriteTimeUtc);
            return true;
        }
        if (_openFolder != 0
            && NativeMethods.StatAt(_folderFd, entry.Name, out var facts) == 0
            && facts.Kind == NativeMethods.FileKind.Regular)
        {
            (size, lastWriteTimeUtc) = (facts.Size, facts.LastWriteTimeUtc);
            return true;
        }
        (size, lastWriteTimeUtc) = (0, default);
        return false;
    }

    public void Dispose()
    {
        if (_openFolder != 0)
        {
            _ = NativeMethods.CloseDir(_openFolder);
            _openFolder = 0;
        }
    }
}
