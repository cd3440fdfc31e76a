using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Refs;
using Microsoft.Extensions.Logging;

namespace LakeFs.Core;

public sealed partial class Repository
{
    /// <summary>
    /// Sets how long garbage collection keeps commits (see <see cref="RetentionRules"/>), replacing the rules as a whole;
    /// null removes them, and collection then expires only commits no branch or tag reaches. The rules live in the ref
    /// store, for every instance and process sharing it. Setting them deletes nothing by itself.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A number of days is negative.</exception>
    /// <exception cref="InvalidNameException">An override names no valid branch name.</exception>
    public async Task SetRetentionAsync(RetentionRules? rules, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        if (rules is not null)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(rules.DefaultDays, nameof(rules));
            ArgumentNullException.ThrowIfNull(rules.BranchDays, nameof(rules));
            foreach (var (branch, days) in rules.BranchDays)
            {
                Names.ValidateRefName(branch, "branch");
                if (days < 0)
                {
                    throw new ArgumentOutOfRangeException(nameof(rules), days, $"The retention of branch '{branch}' is negative; give 0 days or more.");
                }
            }
            rules = rules with { BranchDays = new SortedDictionary<string, int>(rules.BranchDays.ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal) };
        }
        await _refs.SetRetentionAsync(rules, cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Retention rules set: {Rules}", rules is null ? "none" : $"{rules.DefaultDays} days by default, {rules.BranchDays.Count} override(s)");
    }

    /// <summary>The retention rules, or null when none are set.</summary>
    public async Task<RetentionRules?> GetRetentionAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        return await _refs.GetRetentionAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Throws <see cref="CommitExpiredException"/> when garbage collection expired the commit.</summary>
    private async ValueTask ThrowIfExpiredAsync(string @ref, string commitId, CancellationToken cancellationToken)
    {
        if (await _refs.IsCommitExpiredAsync(commitId, cancellationToken).ConfigureAwait(false))
        {
            throw new CommitExpiredException(
                $"'{@ref}' names commit {commitId[..Math.Min(12, commitId.Length)]}, which has expired: garbage collection removed its content. Read a later commit; tags and retention rules keep commits from expiring.",
                commitId);
        }
    }
}
