using System.Globalization;
using System.Text;
using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Refs;

namespace LakeFs.Core;

public sealed partial class Repository
{
    /// <summary>A resolved ref: the commit, the branch when the expression is a bare branch (its uncommitted changes are visible), and the commit itself when resolving read it anyway.</summary>
    private readonly record struct ResolvedRef(string CommitId, string? Branch, Commit? Commit = null);

    /// <summary>
    /// Resolution order: full commit id, branch, tag, unique commit-id prefix; then ~N / ^N steps. A commit that garbage
    /// collection expired gives <see cref="CommitExpiredException"/> (a branch head or a tag never names one).
    /// </summary>
    private async ValueTask<ResolvedRef> ResolveAsync(string @ref, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@ref);
        if (CommitId.IsFullId(@ref) && await _refs.GetCommitAsync(@ref, cancellationToken).ConfigureAwait(false) is { } commit)
        {
            await ThrowIfExpiredAsync(@ref, @ref, cancellationToken).ConfigureAwait(false);
            return new ResolvedRef(@ref, null, commit);
        }
        if (RefExpression.IsPlainName(@ref) && await _refs.GetBranchAsync(@ref, cancellationToken).ConfigureAwait(false) is { } plain)
        {
            // The common case, a branch by name: no expression to parse.
            return new ResolvedRef(plain.Head, plain.Name);
        }
        var expression = RefExpression.Parse(@ref);
        string commitId;
        string? branchView = null;
        if (expression.At is { } at)
        {
            commitId = await HeadAtAsync(@ref, expression.Base, at, cancellationToken).ConfigureAwait(false);
        }
        else if (CommitId.IsFullId(expression.Base) && await _refs.GetCommitAsync(expression.Base, cancellationToken).ConfigureAwait(false) is not null)
        {
            commitId = expression.Base;
        }
        else if (await _refs.GetBranchAsync(expression.Base, cancellationToken).ConfigureAwait(false) is { } branch)
        {
            commitId = branch.Head;
            if (!expression.CommittedOnly && expression.Steps.Count == 0)
            {
                branchView = branch.Name;
            }
        }
        else if (await _refs.GetTagAsync(expression.Base, cancellationToken).ConfigureAwait(false) is { } tagged)
        {
            commitId = tagged;
        }
        else if (expression.Base.Length >= 4 && CommitId.IsHex(expression.Base))
        {
            // Ids are lower-case hex; an id or a prefix typed (or copied) in upper case names the same commit.
            var matches = await _refs.FindCommitIdsAsync(expression.Base.ToLowerInvariant(), 2, cancellationToken).ConfigureAwait(false);
            commitId = matches.Count switch
            {
                1 => matches[0],
                0 => throw new RefNotFoundException($"'{@ref}' names no branch, tag or commit."),
                _ => throw new InvalidRefException($"'{@ref}': the commit-id prefix '{expression.Base}' is ambiguous; give more characters."),
            };
        }
        else
        {
            throw new RefNotFoundException($"'{@ref}' names no branch, tag or commit.");
        }

        foreach (var (op, count) in expression.Steps)
        {
            if (op == '~')
            {
                for (var i = 0; i < count; i++)
                {
                    commitId = ParentOf(@ref, await ReadCommitAsync(commitId, cancellationToken).ConfigureAwait(false), 1);
                }
            }
            else if (count > 0)
            {
                commitId = ParentOf(@ref, await ReadCommitAsync(commitId, cancellationToken).ConfigureAwait(false), count);
            }
        }
        if (branchView is null)
        {
            await ThrowIfExpiredAsync(@ref, commitId, cancellationToken).ConfigureAwait(false);
        }
        return new ResolvedRef(commitId, branchView);
    }

    /// <summary>
    /// The head branch <paramref name="branch"/> had at <paramref name="at"/>, from the recorded head moves (the audit
    /// log), not from commit times: the last move at or before the instant. A branch deleted since still resolves; one
    /// deleted and created again resolves to the life it had at the instant.
    /// </summary>
    private async ValueTask<string> HeadAtAsync(string @ref, string branch, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var shown = at.ToString("O", CultureInfo.InvariantCulture);
        if (await _refs.FindHeadMoveAsync(branch, at, cancellationToken).ConfigureAwait(false) is { } move)
        {
            return move.After ?? throw new BranchNotAtTimeException(
                $"'{@ref}': branch '{branch}' did not exist at {shown}: it was deleted at {move.Time.ToString("O", CultureInfo.InvariantCulture)}.",
                branch, at, null);
        }
        AuditRecord? first = null;
        await foreach (var record in _refs.ListAuditAsync(new AuditFilter { Ref = branch }, cancellationToken).ConfigureAwait(false))
        {
            if (HeadMoves.Contains(record.Action))
            {
                first = record;
                break;
            }
        }
        // The default branch is made with the repository, at its first commit, without a record of its own: before its
        // first recorded move it was at that commit from the commit's time on.
        if (branch == DefaultBranch
            && (first?.Before ?? (await _refs.GetBranchAsync(branch, cancellationToken).ConfigureAwait(false))?.Head) is { } earliest
            && await _refs.GetCommitAsync(earliest, cancellationToken).ConfigureAwait(false) is { Parents.Count: 0 } root
            && root.CreationDate <= at)
        {
            return root.Id;
        }
        if (first?.Time is { } recorded)
        {
            throw new BranchNotAtTimeException(
                $"'{@ref}': branch '{branch}' has no recorded head at {shown}: its first recorded move is at {recorded.ToString("O", CultureInfo.InvariantCulture)}. " +
                "Give a later time, or name the commit by id.", branch, at, recorded);
        }
        if (await _refs.GetBranchAsync(branch, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw new BranchNotAtTimeException(
                $"'{@ref}': branch '{branch}' has no recorded head moves (it was created before this repository kept an audit log). Name the commit by id.",
                branch, at, null);
        }
        throw await _refs.GetTagAsync(branch, cancellationToken).ConfigureAwait(false) is not null || CommitId.IsFullId(branch)
            ? new InvalidRefException($"'{@ref}': '@{{time}}' takes a branch; '{branch}' is a tag or commit, which never moves.")
            : new RefNotFoundException($"'{@ref}': there is no branch '{branch}' and none was ever recorded.");
    }

    /// <summary>The commit <paramref name="ref"/> resolves to.</summary>
    private async ValueTask<Commit> ResolveCommitAsync(string @ref, CancellationToken cancellationToken)
    {
        var resolved = await ResolveAsync(@ref, cancellationToken).ConfigureAwait(false);
        return resolved.Commit ?? await ReadCommitAsync(resolved.CommitId, cancellationToken).ConfigureAwait(false);
    }

    private static string ParentOf(string @ref, Commit commit, int number) =>
        number <= commit.Parents.Count
            ? commit.Parents[number - 1]
            : throw new RefNotFoundException(commit.Parents.Count == 0
                ? $"'{@ref}': commit {commit.Id[..12]} has no parent."
                : $"'{@ref}': commit {commit.Id[..12]} has {commit.Parents.Count} parent(s), not {number}.");

    /// <summary>A commit some ref or commit refers to: missing, the ref store is damaged.</summary>
    private async ValueTask<Commit> ReadCommitAsync(string id, CancellationToken cancellationToken) =>
        await _refs.GetCommitAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw new CorruptDataException($"Commit {id} is referenced but missing from the ref store.");

    internal static string Utf8(ReadOnlySpan<byte> key) => Encoding.UTF8.GetString(key);
}
