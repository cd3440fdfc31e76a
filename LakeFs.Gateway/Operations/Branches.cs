using LakeFs.Core;
using LakeFs.Core.Errors;
using LakeFs.Gateway.Protocol;

namespace LakeFs.Gateway.Operations;

/// <summary>Finds the branch a write goes to: a tag, a commit or an expression such as main@ or main~1 is read-only.</summary>
internal static class Branches
{
    /// <summary>
    /// The split of <paramref name="key"/> whose ref is a branch (shortest first, see <see cref="ObjectKey"/>). When none
    /// is, MethodNotAllowed if a split names a tag, commit or expression, else NoSuchKey.
    /// </summary>
    public static async Task<ObjectKey> ResolveAsync(Repository repository, string key, CancellationToken cancellationToken)
    {
        var splits = ObjectKey.Splits(key, write: true).ToList();
        foreach (var split in splits)
        {
            try
            {
                await repository.GetBranchAsync(split.Ref, cancellationToken).ConfigureAwait(false);
                return split;
            }
            catch (Exception e) when (e is BranchNotFoundException or InvalidNameException)
            {
            }
        }
        foreach (var split in splits)
        {
            try
            {
                await repository.GetCommitAsync(split.Ref, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (ObjectKey.IsMissingRef(e))
            {
                continue;
            }
            throw new S3Exception(405, "MethodNotAllowed", $"'{split.Ref}' is a tag, a commit or a ref expression, which is read-only: write to a branch.");
        }
        throw S3Exception.NoSuchKey($"The key '{key}' starts with no branch of this repository: write to <branch>/<path>.");
    }
}
