using LakeFs.Core.Model;

namespace LakeFs.Gateway.Operations;

/// <summary>One item of a bucket listing: a key with its object, or a common prefix (<see cref="Object"/> null).</summary>
internal sealed record ListedItem(string Key, ObjectInfo? Object);
