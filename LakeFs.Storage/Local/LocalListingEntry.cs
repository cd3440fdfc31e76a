namespace LakeFs.Storage.Local;

/// <summary>
/// One child of a folder during a listing: its name, whether it is a folder, and (for files) size and time, or
/// <see cref="NeedsStat"/> when the folder's read named a file without them (Linux: they are read when its key is reached).
/// </summary>
internal readonly record struct LocalListingEntry(string Name, bool IsFolder, long Length, DateTime LastWriteTimeUtc, bool NeedsStat = false)
{
    /// <summary>The name as it sorts among its siblings: a folder sorts as "name/", since every key under it starts so.</summary>
    public string SortName => IsFolder ? Name + "/" : Name;
}
