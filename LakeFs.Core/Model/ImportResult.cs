namespace LakeFs.Core.Model;

/// <summary>What <see cref="Repository.ImportAsync"/> committed.</summary>
/// <param name="Commit">The import's commit (its metadata names the source).</param>
/// <param name="Objects">Objects under the destination prefix after the import: those the source listed.</param>
/// <param name="Bytes">Their bytes.</param>
/// <param name="Skipped">Folder markers left out (keys ending with '/', or the prefix itself).</param>
public sealed record ImportResult(Commit Commit, long Objects, long Bytes, long Skipped);
