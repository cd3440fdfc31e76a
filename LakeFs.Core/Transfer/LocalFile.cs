namespace LakeFs.Core.Transfer;

/// <summary>A file found by <see cref="FolderWalk"/>: its full local path, its object path and its size at the walk.</summary>
internal sealed record LocalFile(string LocalPath, string ObjectPath, long Size);
