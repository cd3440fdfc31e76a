namespace LakeFs.Storage.Local;

/// <summary>What a path under a local store's root is, as seen without following a final symbolic link.</summary>
internal enum EntryKind
{
    Missing,
    File,
    Folder,
}
