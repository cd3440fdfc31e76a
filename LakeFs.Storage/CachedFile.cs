namespace LakeFs.Storage;

/// <summary>One file of <see cref="CachingObjectStore"/>: the key it holds, where, and how many bytes.</summary>
internal sealed record CachedFile(string Key, string Path, long Size);
