using LakeFs.Core.Diagnostics;
using System.Runtime.CompilerServices;
using LakeFs.Core.Errors;
using LakeFs.Core.Hooks;
using LakeFs.Core.Model;
using LakeFs.Core.Refs;
using Microsoft.Extensions.Logging;

namespace LakeFs.Core;

public sealed partial class Repository
{
    // ------------------------------------------------------------------ branches

    /// <summary>Creates a branch at the commit <paramref name="from"/> resolves to (a branch's head, a tag, a commit, an expression). O(1).</summary>
    /// <exception cref="BranchAlreadyExistsException">The name is taken.</exception>
    /// <exception cref="TagAlreadyExistsException">A tag has the name (branches and tags share one namespace).</exception>
    /// <exception cref="InvalidNameException">The name breaks the naming rules or is 64 hex digits (it would read as a commit id).</exception>
    public async Task<BranchInfo> BranchAsync(string name, string from, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateNewRefName(name, "branch");
        var head = (await ResolveAsync(from, cancellationToken).ConfigureAwait(false)).CommitId;
        var subject = await RefHookSubjectAsync(HookEvent.PreCreateBranch, name, null, from, null, head, cancellationToken).ConfigureAwait(false);
        if (subject is not null)
        {
            await RunPreHooksAsync(HookEvent.PreCreateBranch, subject, "creation of branch", null, cancellationToken).ConfigureAwait(false);
        }
        await _refs.CreateBranchAsync(name, head, NewAuditRecord(AuditAction.CreateBranch, name, null, head, from), cancellationToken).ConfigureAwait(false);
        _logger.BranchCreated(name, head);
        var info = new BranchInfo { Name = name, Head = head };
        return await RefPostHooksAsync(HookEvent.PostCreateBranch, name, null, from, null, head, "creation of branch", cancellationToken).ConfigureAwait(false) is { Count: > 0 } failures
            ? info with { PostHookFailures = failures }
            : info;
    }

    /// <summary>The branch and its head commit.</summary>
    /// <exception cref="BranchNotFoundException">No such branch.</exception>
    public async Task<BranchInfo> GetBranchAsync(string name, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateRefName(name, "branch");
        var branch = await GetBranchRecordAsync(name, cancellationToken).ConfigureAwait(false);
        return new BranchInfo { Name = branch.Name, Head = branch.Head };
    }

    /// <summary>All branches, by name. Read a page at a time: branches created or deleted meanwhile may or may not show.</summary>
    public async IAsyncEnumerable<BranchInfo> ListBranchesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        await foreach (var branch in _refs.ListBranchesAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new BranchInfo { Name = branch.Name, Head = branch.Head };
        }
    }

    /// <summary>Deletes a branch and its uncommitted changes. Commits stay reachable from other refs.</summary>
    /// <exception cref="ProtectedBranchException">It is the default branch, or a branch-protection rule covers it.</exception>
    /// <exception cref="BranchNotFoundException">No such branch.</exception>
    public async Task DeleteBranchAsync(string name, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateRefName(name, "branch");
        if (name == DefaultBranch)
        {
            throw new ProtectedBranchException($"Branch '{name}' is the default branch and cannot be deleted.");
        }
        await ThrowIfProtectedAsync(name, "delete", cancellationToken).ConfigureAwait(false);
        string? head = null;
        if (Hooks.Any(HookEvent.PreDeleteBranch, name) || Hooks.Any(HookEvent.PostDeleteBranch, name))
        {
            head = (await GetBranchRecordAsync(name, cancellationToken).ConfigureAwait(false)).Head;
            var subject = await RefHookSubjectAsync(HookEvent.PreDeleteBranch, name, null, null, head, null, cancellationToken).ConfigureAwait(false);
            if (subject is not null)
            {
                await RunPreHooksAsync(HookEvent.PreDeleteBranch, subject, "deletion of branch", null, cancellationToken).ConfigureAwait(false);
            }
        }
        await _refs.DeleteBranchAsync(name, NewAuditRecord(AuditAction.DeleteBranch, name, null, null, null), cancellationToken).ConfigureAwait(false);
        _logger.BranchDeleted(name);
        await RefPostHooksAsync(HookEvent.PostDeleteBranch, name, null, null, head, null, "deletion of branch", cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<BranchRecord> GetBranchRecordAsync(string name, CancellationToken cancellationToken) =>
        await _refs.GetBranchAsync(name, cancellationToken).ConfigureAwait(false)
            ?? throw await BranchNotFoundAsync(name, cancellationToken).ConfigureAwait(false);

    /// <summary>The error for a branch that is not there, which says so when the name is a tag's (tags are read-only).</summary>
    private async ValueTask<BranchNotFoundException> BranchNotFoundAsync(string name, CancellationToken cancellationToken) =>
        await _refs.GetTagAsync(name, cancellationToken).ConfigureAwait(false) is null
            ? new BranchNotFoundException($"Branch '{name}' does not exist.")
            : new BranchNotFoundException(
                $"'{name}' is a tag, not a branch: tags are read-only, and writes, commits and uncommitted changes belong to branches. " +
                $"To change what the tag shows, create a branch from it (BranchAsync(\"<new-branch>\", \"{name}\")) and write there.");

    // ------------------------------------------------------------------ tags

    /// <summary>Creates an immutable tag for the commit <paramref name="ref"/> resolves to.</summary>
    /// <exception cref="TagAlreadyExistsException">The name is taken (tags never move).</exception>
    /// <exception cref="BranchAlreadyExistsException">A branch has the name (branches and tags share one namespace).</exception>
    /// <exception cref="InvalidNameException">The name breaks the naming rules or is 64 hex digits (it would read as a commit id).</exception>
    public async Task<TagInfo> TagAsync(string name, string @ref, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateNewRefName(name, "tag");
        var commitId = (await ResolveAsync(@ref, cancellationToken).ConfigureAwait(false)).CommitId;
        var subject = await RefHookSubjectAsync(HookEvent.PreCreateTag, null, name, @ref, null, commitId, cancellationToken).ConfigureAwait(false);
        if (subject is not null)
        {
            await RunPreHooksAsync(HookEvent.PreCreateTag, subject, "creation of tag", null, cancellationToken).ConfigureAwait(false);
        }
        await _refs.CreateTagAsync(name, commitId, NewAuditRecord(AuditAction.CreateTag, name, null, commitId, @ref), cancellationToken).ConfigureAwait(false);
        var info = new TagInfo { Name = name, CommitId = commitId };
        return await RefPostHooksAsync(HookEvent.PostCreateTag, null, name, @ref, null, commitId, "creation of tag", cancellationToken).ConfigureAwait(false) is { Count: > 0 } failures
            ? info with { PostHookFailures = failures }
            : info;
    }

    /// <summary>The tag and the commit it names.</summary>
    /// <exception cref="TagNotFoundException">No such tag.</exception>
    public async Task<TagInfo> GetTagAsync(string name, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateRefName(name, "tag");
        var commitId = await _refs.GetTagAsync(name, cancellationToken).ConfigureAwait(false)
            ?? throw new TagNotFoundException($"Tag '{name}' does not exist.");
        return new TagInfo { Name = name, CommitId = commitId };
    }

    /// <summary>All tags, by name. Read a page at a time, like <see cref="ListBranchesAsync"/>.</summary>
    public async IAsyncEnumerable<TagInfo> ListTagsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        await foreach (var tag in _refs.ListTagsAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return tag;
        }
    }

    /// <summary>Deletes a tag (the commit stays).</summary>
    /// <exception cref="TagNotFoundException">No such tag.</exception>
    public async Task DeleteTagAsync(string name, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateRefName(name, "tag");
        string? commitId = null;
        if (Hooks.Any(HookEvent.PreDeleteTag, name) || Hooks.Any(HookEvent.PostDeleteTag, name))
        {
            commitId = await _refs.GetTagAsync(name, cancellationToken).ConfigureAwait(false)
                ?? throw new TagNotFoundException($"Tag '{name}' does not exist.");
            var subject = await RefHookSubjectAsync(HookEvent.PreDeleteTag, null, name, null, commitId, null, cancellationToken).ConfigureAwait(false);
            if (subject is not null)
            {
                await RunPreHooksAsync(HookEvent.PreDeleteTag, subject, "deletion of tag", null, cancellationToken).ConfigureAwait(false);
            }
        }
        if (!await _refs.DeleteTagAsync(name, NewAuditRecord(AuditAction.DeleteTag, name, null, null, null), cancellationToken).ConfigureAwait(false))
        {
            throw new TagNotFoundException($"Tag '{name}' does not exist.");
        }
        await RefPostHooksAsync(HookEvent.PostDeleteTag, null, name, null, commitId, null, "deletion of tag", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What the hooks of a branch or tag event see; null when no hook of <paramref name="event"/> applies.</summary>
    private async Task<HookSubject?> RefHookSubjectAsync(
        HookEvent @event, string? branch, string? tag, string? source, string? before, string? after, CancellationToken cancellationToken)
    {
        if (!Hooks.Any(@event, branch ?? tag!))
        {
            return null;
        }
        var candidate = after is null ? null : await ReadCommitAsync(after, cancellationToken).ConfigureAwait(false);
        return new HookSubject(branch, tag, source, before, candidate, null, _options.Committer, NoMetadata, NoChanges);
    }

    /// <summary>Runs the post-hooks of a branch or tag event; the failures (empty when none failed or none applied).</summary>
    private async Task<IReadOnlyList<HookRun>> RefPostHooksAsync(
        HookEvent @event, string? branch, string? tag, string? source, string? before, string? after, string operation, CancellationToken cancellationToken)
    {
        var subject = await RefHookSubjectAsync(@event, branch, tag, source, before, after, cancellationToken).ConfigureAwait(false);
        return subject is null ? [] : await RunPostHooksAsync(@event, subject, operation, cancellationToken).ConfigureAwait(false);
    }
}
