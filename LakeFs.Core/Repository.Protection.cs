using LakeFs.Core.Diagnostics;
using System.Runtime.CompilerServices;
using LakeFs.Core.Errors;
using LakeFs.Core.Hooks;
using LakeFs.Core.Model;
using Microsoft.Extensions.Logging;

namespace LakeFs.Core;

public sealed partial class Repository
{
    /// <summary>The rules last read and their compiled patterns; replaced whenever the store returns another list.</summary>
    private CompiledRules _protection = NoRules;

    private static readonly CompiledRules NoRules = new([], []);

    private sealed record CompiledRules(IReadOnlyList<BranchProtectionRule> Rules, RefPattern[] Patterns);

    /// <summary>
    /// Protects every branch whose name matches <paramref name="pattern"/> (<c>main</c>, <c>release-*</c>; <c>*</c>
    /// spans slashes, <c>?</c> is one character): from then on it changes only by merge. Direct puts, links and
    /// deletes of objects, resets (of a path, a prefix or the whole branch), commits, reverts, cherry-picks and
    /// deleting the branch fail with <see cref="ProtectedBranchException"/> naming the rule. The rule lives in the ref
    /// store and takes effect at once for every <see cref="Repository"/> instance and process sharing it: puts, links
    /// and deletes of objects are checked inside their write to the ref store, so none is written after the rule; any
    /// other call already past its check when the rule is added may still complete.
    /// <para>
    /// Adding the first rule raises the SQLite ref store's format version to 2, so a LakeFs version from before branch
    /// protection, which would ignore the rules, refuses to open it.
    /// </para>
    /// </summary>
    /// <returns>False when a rule with exactly this pattern existed already.</returns>
    /// <exception cref="InvalidNameException">The pattern has a character no branch name has.</exception>
    public async Task<bool> ProtectBranchesAsync(string pattern, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        RefPattern.Parse(pattern);
        var audit = NewAuditRecord(AuditAction.ProtectBranches, pattern, null, null, null);
        var added = await _refs.AddBranchProtectionAsync(pattern, audit.Time, audit, cancellationToken).ConfigureAwait(false);
        if (added)
        {
            _logger.Protected(pattern);
        }
        else
        {
            _logger.ProtectedAlready(pattern);
        }
        return added;
    }

    /// <summary>Removes the rule with exactly this pattern (as listed by <see cref="ListBranchProtectionAsync"/>); takes effect at once everywhere.</summary>
    /// <returns>False when there was no such rule.</returns>
    public async Task<bool> UnprotectBranchesAsync(string pattern, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        var removed = await _refs.RemoveBranchProtectionAsync(pattern, NewAuditRecord(AuditAction.UnprotectBranches, pattern, null, null, null), cancellationToken).ConfigureAwait(false);
        if (removed)
        {
            _logger.Unprotected(pattern);
        }
        return removed;
    }

    /// <summary>Every branch-protection rule, by pattern.</summary>
    public async IAsyncEnumerable<BranchProtectionRule> ListBranchProtectionAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        foreach (var rule in await _refs.GetBranchProtectionAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return rule;
        }
    }

    /// <summary>
    /// Refuses <paramref name="action"/> on a branch a rule protects. Read per call: answered from memory while no
    /// rule changed anywhere (the ref store's rule counter), and with no rule it allocates nothing.
    /// <paramref name="action"/> completes "Cannot …": "put 'a.txt' on", "commit on".
    /// </summary>
    private ValueTask ThrowIfProtectedAsync(string branch, string action, CancellationToken cancellationToken)
    {
        var pending = _refs.GetBranchProtectionAsync(cancellationToken);
        if (!pending.IsCompletedSuccessfully)
        {
            return AwaitAsync(pending, branch, action);
        }
        ThrowIfProtected(pending.Result, branch, action);
        return default;

        async ValueTask AwaitAsync(ValueTask<IReadOnlyList<BranchProtectionRule>> rules, string branch, string action) =>
            ThrowIfProtected(await rules.ConfigureAwait(false), branch, action);
    }

    /// <summary>
    /// The early check of a staged write (put, link, delete of an object), which the ref store makes again inside the
    /// write (<see cref="Refs.StageResult.Protected"/>): refuses when the rules this instance last read cover the branch
    /// and a fresh read confirms it, and otherwise asks the ref store nothing, so a write to an unprotected branch pays
    /// no round trip to a database server for it. It only spares a refused put its upload.
    /// </summary>
    private ValueTask ThrowIfKnownProtectedAsync(string branch, string action, CancellationToken cancellationToken)
    {
        foreach (var pattern in Volatile.Read(ref _protection).Patterns)
        {
            if (pattern.IsMatch(branch))
            {
                return ThrowIfProtectedAsync(branch, action, cancellationToken);
            }
        }
        return default;
    }

    /// <summary>
    /// After the ref store refused a staged write as protected (<paramref name="refusals"/> times so far): throws the
    /// rule's <see cref="ProtectedBranchException"/> as read afresh, or returns when no rule covers the branch any more
    /// (removed meanwhile) so that the caller writes again, a few times at most.
    /// </summary>
    private async ValueTask ThrowIfStillProtectedAsync(string branch, string action, int refusals)
    {
        await ThrowIfProtectedAsync(branch, action, CancellationToken.None).ConfigureAwait(false);
        if (refusals >= 4)
        {
            throw new ConflictException($"Cannot {action} branch '{branch}': branch-protection rules for it kept changing during the write. Try again.");
        }
    }

    private void ThrowIfProtected(IReadOnlyList<BranchProtectionRule> rules, string branch, string action)
    {
        var compiled = Volatile.Read(ref _protection);
        if (!ReferenceEquals(compiled.Rules, rules))
        {
            compiled = rules.Count == 0 ? NoRules : new CompiledRules(rules, [.. rules.Select(r => RefPattern.Parse(r.Pattern))]);
            Volatile.Write(ref _protection, compiled);
        }
        for (var i = 0; i < compiled.Patterns.Length; i++)
        {
            if (compiled.Patterns[i].IsMatch(branch))
            {
                var rule = compiled.Rules[i].Pattern;
                throw new ProtectedBranchException(
                    $"Cannot {action} branch '{branch}': it is protected by the rule '{rule}' and changes only by merge. " +
                    $"Make the change on another branch and merge it, or remove the rule with UnprotectBranchesAsync(\"{rule}\").",
                    rule);
            }
        }
    }
}
