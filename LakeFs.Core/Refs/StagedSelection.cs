using LakeFs.Core.Trees;

namespace LakeFs.Core.Refs;

/// <summary>
/// What a partial commit takes from frozen staging areas (<see cref="BranchUpdate.Trim"/>): the rows of
/// <paramref name="Tokens"/> at keys in <paramref name="Ranges"/> (disjoint, ascending). At the compare-and-swap those
/// rows are dropped and the areas stay frozen, read as staged, with the rest of their rows; an area left without rows
/// is retired.
/// </summary>
internal sealed record StagedSelection(IReadOnlyCollection<long> Tokens, IReadOnlyList<KeyRange> Ranges);
