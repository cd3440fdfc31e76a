namespace LakeFs.Extensions.DependencyInjection;

/// <summary>The names of the repositories registered in one service collection (null: the unnamed one), in order.</summary>
internal sealed class LakeFsRepositoryRegistry
{
    public List<string?> Names { get; } = [];
}
