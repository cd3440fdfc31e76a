namespace LakeFs.Core.Model;

/// <summary>
/// How long garbage collection keeps commits (see <see cref="Repository.SetRetentionAsync"/>). A commit is kept when it
/// is a branch head, tagged, or reachable from a branch head through commits made within that branch's window
/// (<see cref="BranchDays"/> for the branch, else <see cref="DefaultDays"/>); on each line of first parents the first
/// commit past the window is kept as well, so the branch's state at the window's edge stays readable. Every other
/// commit, including one no branch or tag reaches any more, expires at the next collection.
/// </summary>
/// <param name="DefaultDays">Days a branch keeps its history when <see cref="BranchDays"/> does not name it (0 keeps only the head and its parents).</param>
public sealed record RetentionRules(int DefaultDays)
{
    /// <summary>Days for particular branches, by exact name, overriding <see cref="DefaultDays"/>.</summary>
    public IReadOnlyDictionary<string, int> BranchDays { get; init; } = new Dictionary<string, int>(StringComparer.Ordinal);

    /// <summary>The window of <paramref name="branch"/>, in days.</summary>
    public int DaysFor(string branch) => BranchDays.TryGetValue(branch, out var days) ? days : DefaultDays;

    /// <summary>Equal when the default and every override are equal.</summary>
    public bool Equals(RetentionRules? other) =>
        other is not null && DefaultDays == other.DefaultDays && BranchDays.Count == other.BranchDays.Count
        && BranchDays.All(p => other.BranchDays.TryGetValue(p.Key, out var days) && days == p.Value);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(DefaultDays, BranchDays.Count);
}
