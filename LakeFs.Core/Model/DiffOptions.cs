namespace LakeFs.Core.Model;

/// <summary>Options of <see cref="Repository.DiffAsync"/> and <see cref="Repository.DiffUncommittedAsync"/>.</summary>
public sealed record DiffOptions
{
    /// <summary>Two-dot (default) or three-dot.</summary>
    public DiffMode Mode { get; init; } = DiffMode.TwoDot;

    /// <summary>Only paths starting with this prefix (an exact path works too).</summary>
    public string? Prefix { get; init; }
}
