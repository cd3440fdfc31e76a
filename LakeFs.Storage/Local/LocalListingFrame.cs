namespace LakeFs.Storage.Local;

/// <summary>One folder being walked by a listing: its key prefix ("" or ending in '/') and its sorted children.</summary>
internal sealed class LocalListingFrame(string keyPrefix, LocalListingEntry[] entries)
{
    public string KeyPrefix { get; } = keyPrefix;

    public LocalListingEntry[] Entries { get; } = entries;

    public int Next { get; set; }
}
