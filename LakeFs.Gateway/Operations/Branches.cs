using LakeFs.Core;
using LakeFs.Core.Errors;
using LakeFs.Gateway.Protocol;

namespace LakeFs.Gateway.Operations;

/// <summary>Checks that a write goes to a branch: a tag, a commit or an expression such as main@ or main~1 is read-only.</summary>
internal static class Branches
{
    public static async Task RequireBranchAsync(Repository repository, string @ref, CancellationToken cancellationToken)
    {
        try
        {
            await repository.GetBranchAsync(@ref, cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (Exception e) when (e is BranchNotFoundException or InvalidNameException)
        {
        }
        try
        {
            await repository.GetCommitAsync(@ref, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RefNotFoundException or InvalidRefException or InvalidNameException)
        {
            throw S3Exception.NoSuchKey($"No branch '{@ref}' exists in this repository: write to <branch>/<path>.");
        }
        throw new S3Exception(405, "MethodNotAllowed", $"'{@ref}' is a tag, a commit or a ref expression, which is read-only: write to a branch.");
    }
}
