using LakeFs.Core.Errors;

namespace LakeFs.Core.Refs;

/// <summary>Calls on <see cref="IRefStore"/> built from its own.</summary>
internal static class RefStoreExtensions
{
    /// <summary><see cref="IRefStore.TryGetStagedAsync"/> for a branch that must exist.</summary>
    /// <exception cref="BranchNotFoundException">No such branch.</exception>
    public static async ValueTask<StagedLookup> GetStagedAsync(this IRefStore store, string branch, byte[] path, CancellationToken cancellationToken) =>
        await store.TryGetStagedAsync(branch, path, cancellationToken).ConfigureAwait(false)
            ?? throw new BranchNotFoundException($"Branch '{branch}' does not exist.");
}
