using System.Runtime.CompilerServices;
using System.Text;
using LakeFs.Core.Errors;
using LakeFs.Core.Trees;
using LakeFs.Core.Model;
using LakeFs.Core.Refs;
using Microsoft.Extensions.Logging;

namespace LakeFs.Core;

public sealed partial class Repository
{
    /// <summary>Metadata key recording the commit a cherry-pick copied.</summary>
    public const string CherryPickedFromKey = "lakefs.cherry-picked-from";

    /// <summary>Metadata key recording the commit a revert undid.</summary>
    public const string RevertedCommitKey = "lakefs.reverted-commit";

    // ------------------------------------------------------------------ diff

    /// <summary>
    /// What changed from <paramref name="left"/> to <paramref name="right"/> (committed data of both refs), in
    /// path order. Three-dot mode compares the merge base with <paramref name="right"/>. Ranges both trees
    /// share are skipped without being read.
    /// </summary>
    public async IAsyncEnumerable<Change> DiffAsync(
        string left, string right, DiffOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        options ??= new DiffOptions();
        var prefix = Names.ValidatePrefix(options.Prefix);
        var leftCommit = GetCommit(Resolve(left).CommitId);
        var rightCommit = GetCommit(Resolve(right).CommitId);
        if (options.Mode == DiffMode.ThreeDot)
        {
            leftCommit = await FindMergeBaseAsync(leftCommit, rightCommit, cancellationToken).ConfigureAwait(false) ?? leftCommit;
        }
        var leftTree = await _trees.GetMetaRangeAsync(leftCommit.MetaRangeId, cancellationToken).ConfigureAwait(false);
        var rightTree = await _trees.GetMetaRangeAsync(rightCommit.MetaRangeId, cancellationToken).ConfigureAwait(false);
        await foreach (var d in TreeDiff.DiffAsync(_trees, leftTree, rightTree, prefix, cancellationToken).ConfigureAwait(false))
        {
            yield return ToChange(d.Key, d.Left, d.Right);
        }
    }

    /// <summary>
    /// The branch's uncommitted changes against its head, in path order: staged objects whose identity differs from
    /// the head's. Writing what the head holds, or deleting what it lacks, is no change.
    /// </summary>
    public async IAsyncEnumerable<Change> DiffUncommittedAsync(
        string branch, DiffOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateRefName(branch, "branch");
        var prefix = Names.ValidatePrefix(options?.Prefix);
        using var snapshot = _refs.Open();
        snapshot.Begin(write: false);
        var record = SqliteRefStore.GetBranch(snapshot, branch) ?? throw new BranchNotFoundException($"Branch '{branch}' does not exist.");
        var tree = await _trees.GetMetaRangeAsync(GetCommit(record.Head).MetaRangeId, cancellationToken).ConfigureAwait(false);
        await foreach (var change in UncommittedChangesAsync(snapshot, record.Tokens, tree, prefix, cancellationToken).ConfigureAwait(false))
        {
            yield return change;
        }
    }

    /// <summary>
    /// The one definition of uncommitted changes (DiffUncommittedAsync, and the dirty-branch check of merge, revert
    /// and cherry-pick; a commit's <see cref="TreeBuilder"/> applies the same rule): the staged rows of
    /// <paramref name="tokens"/> (newest first wins) whose entry differs in identity from <paramref name="head"/>'s,
    /// or that delete an entry the head has. Rows that change nothing are skipped; a caller that stops early reads
    /// no further.
    /// </summary>
    private async IAsyncEnumerable<Change> UncommittedChangesAsync(
        SqliteSession snapshot, IReadOnlyList<long> tokens, MetaRange head, byte[] prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var staged = new OverlayCursor([.. tokens.Select(t => (EntryCursor)new StagingCursor(snapshot, t, prefix))]);
        await using (staged.ConfigureAwait(false))
        {
            while (await staged.MoveNextAsync(cancellationToken).ConfigureAwait(false))
            {
                var key = staged.Key.ToArray();
                if (!key.AsSpan().StartsWith(prefix))
                {
                    yield break;
                }
                var committed = await _trees.GetEntryAsync(head, key, cancellationToken).ConfigureAwait(false);
                var path = Utf8(key);
                if (staged.IsTombstone)
                {
                    if (committed is not null)
                    {
                        yield return new Change(path, ChangeKind.Removed, ToInfo(path, committed), null);
                    }
                    continue;
                }
                var entry = EntryCodec.Decode(staged.Value.Span);
                if (committed is null)
                {
                    yield return new Change(path, ChangeKind.Added, null, ToInfo(path, entry));
                }
                else if (!committed.SameIdentity(entry))
                {
                    yield return new Change(path, ChangeKind.Changed, ToInfo(path, committed), ToInfo(path, entry));
                }
            }
        }
    }

    /// <summary>
    /// A best common ancestor of two refs, or null when unrelated. In a criss-cross history there are several (see
    /// <see cref="FindMergeBasesAsync"/>); this returns the last of them in that order — the one with the highest
    /// generation — like <c>git merge-base</c> without <c>--all</c>, and three-dot diffs compare against it. A
    /// merge does not use it alone: it merges all of them into a virtual base.
    /// </summary>
    public Task<Commit?> FindMergeBaseAsync(string left, string right, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        return FindMergeBaseAsync(GetCommit(Resolve(left).CommitId), GetCommit(Resolve(right).CommitId), cancellationToken);
    }

    /// <summary>
    /// Every best common ancestor of two refs (<c>git merge-base --all</c>): one in a plain history, several in a
    /// criss-cross one, none when unrelated. They come in the order a merge combines them into its virtual base,
    /// which depends on the history only: generation ascending, then message, committer, metadata and the content
    /// of their trees, and only then the commit id (docs/merges.md).
    /// </summary>
    public Task<IReadOnlyList<Commit>> FindMergeBasesAsync(string left, string right, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        return new VirtualBase(_trees, GetCommit).FindAsync([GetCommit(Resolve(left).CommitId)], GetCommit(Resolve(right).CommitId), cancellationToken);
    }

    private async Task<Commit?> FindMergeBaseAsync(Commit left, Commit right, CancellationToken cancellationToken) =>
        await new VirtualBase(_trees, GetCommit).FindAsync([left], right, cancellationToken).ConfigureAwait(false) is { Count: > 0 } all ? all[^1] : null;

    // ------------------------------------------------------------------ merge

    /// <summary>
    /// Merges the committed data of <paramref name="source"/> (any ref) into the branch <paramref name="destination"/>:
    /// a three-way merge against their merge base, or a fast-forward when allowed and possible. With several best
    /// common ancestors (a criss-cross history) the base is their recursive merge, as git's recursive strategy builds
    /// it (docs/merges.md). Every conflict is found before anything is written; with the default strategy they are
    /// all reported and nothing changes. Staged objects that change nothing (the head's content written again) do
    /// not make the destination dirty; they are dropped when the head moves.
    /// </summary>
    /// <exception cref="MergeConflictException">Conflicts and the strategy is <see cref="MergeStrategy.Fail"/>.</exception>
    /// <exception cref="NoChangesException">The source is already contained in the destination (unless <see cref="MergeOptions.AllowEmpty"/>).</exception>
    /// <exception cref="DirtyBranchException">The destination has uncommitted changes.</exception>
    /// <exception cref="InvalidMetadataException">The message, committer or metadata breaks the rules of <see cref="MetadataLimits"/>, or a resolver's custom object does.</exception>
    public async Task<MergeResult> MergeAsync(string source, string destination, MergeOptions? options = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        ArgumentNullException.ThrowIfNull(source);
        Names.ValidateRefName(destination, "branch");
        options ??= new MergeOptions();
        var committer = options.Committer ?? _options.Committer;
        ArgumentException.ThrowIfNullOrEmpty(committer, nameof(options));
        if (options.Message is { } m && string.IsNullOrWhiteSpace(m))
        {
            throw new ArgumentException("A merge message cannot be blank; leave it null for the default.", nameof(options));
        }
        var metadata = MetadataLimits.ValidateCommit(options.Message, committer, options.Metadata);

        for (var attempt = 1; attempt <= MaxCommitAttempts; attempt++)
        {
            var resolved = Resolve(source);
            if (resolved.Branch == destination || source == destination)
            {
                throw new ArgumentException($"Cannot merge branch '{destination}' into itself.", nameof(source));
            }
            var branch = _refs.GetBranch(destination) ?? throw new BranchNotFoundException($"Branch '{destination}' does not exist.");
            var head = GetCommit(branch.Head);
            var staged = await EnsureCleanAsync(branch, head, "merge into", cancellationToken).ConfigureAwait(false);
            var sourceCommit = GetCommit(resolved.CommitId);
            var virtualBase = new VirtualBase(_trees, GetCommit);
            var bases = await virtualBase.FindAsync([head], sourceCommit, cancellationToken).ConfigureAwait(false);

            if (bases is [var contained] && contained.Id == sourceCommit.Id && !options.AllowEmpty)
            {
                throw new NoChangesException($"'{source}' ({sourceCommit.Id[..12]}) is already contained in branch '{destination}'.");
            }
            var canFastForward = bases is [var only] && only.Id == head.Id && !options.Squash;
            if (options.FastForward == FastForward.Only && !canFastForward)
            {
                throw new ConflictException($"Cannot fast-forward '{destination}' to '{source}': the branch has commits the source does not contain.");
            }
            if (canFastForward && options.FastForward != FastForward.Never)
            {
                var changes = await CountChangesAsync(head, sourceCommit, cancellationToken).ConfigureAwait(false);
                var retired = staged ? await FreezeStagedAsync(destination, head, "merge into", cancellationToken).ConfigureAwait(false) : [];
                if (_refs.MoveHead(destination, head.Id, null, sourceCommit.Id, retired))
                {
                    _logger.LogInformation("Fast-forwarded {Branch} to {Commit}", destination, sourceCommit.Id);
                    return new MergeResult(sourceCommit.Id, null, true, changes, 0);
                }
                continue;
            }

            var baseTree = await virtualBase.TreeAsync(bases, cancellationToken).ConfigureAwait(false);
            if (virtualBase.VirtualMerges > 0)
            {
                _logger.LogDebug("Merging {Source} into {Branch}: {Bases} best common ancestors, merged into a virtual base in {Merges} merges",
                    source, destination, bases.Count, virtualBase.VirtualMerges);
            }
            var sourceTree = await _trees.GetMetaRangeAsync(sourceCommit.MetaRangeId, cancellationToken).ConfigureAwait(false);
            var (tree, statistics, resolvedConflicts) = await ThreeWayAsync(
                baseTree, sourceTree, head, options.Strategy, options.Resolver, $"Merging '{source}' into '{destination}'", cancellationToken).ConfigureAwait(false);
            string[] parents = options.Squash ? [head.Id] : [head.Id, sourceCommit.Id];
            var message = options.Message ?? (options.Squash ? $"Squash merge '{source}' into '{destination}'" : $"Merge '{source}' into '{destination}'");
            var commit = NewCommit(parents, tree, message, committer, metadata, statistics);
            var retire = staged ? await FreezeStagedAsync(destination, head, "merge into", cancellationToken).ConfigureAwait(false) : [];
            if (_refs.MoveHead(destination, head.Id, commit with { Statistics = null }, commit.Id, retire))
            {
                _commits.Add(commit.Id, commit with { Statistics = null });
                _logger.LogInformation("Merged {Source} into {Branch} as {Commit}: {Changes} changes", source, destination, commit.Id, statistics.Changes);
                return new MergeResult(commit.Id, commit, false, statistics.Changes, resolvedConflicts);
            }
            _logger.LogDebug("Head of {Branch} moved during merge; retrying (attempt {Attempt})", destination, attempt);
        }
        throw new ConflictException($"Branch '{destination}' kept moving during the merge; gave up after {MaxCommitAttempts} attempts.");
    }

    /// <summary>
    /// Undoes a commit on a branch: applies the inverse of its changes (against parent
    /// <see cref="RevertOptions.ParentNumber"/> for a merge commit) as a new commit. Later changes to the same
    /// paths are conflicts, reported like merge conflicts.
    /// </summary>
    /// <exception cref="InvalidParentException">The parent number does not fit the commit, or it has no parent.</exception>
    public Task<Commit> RevertAsync(string branch, string commitRef, RevertOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new RevertOptions();
        return ApplyCommitAsync(branch, commitRef, options, revert: true, cancellationToken);
    }

    /// <summary>
    /// Applies one commit's changes (against parent <see cref="RevertOptions.ParentNumber"/> for a merge commit)
    /// onto a branch as a new commit whose metadata records the original under <see cref="CherryPickedFromKey"/>.
    /// </summary>
    public Task<Commit> CherryPickAsync(string branch, string commitRef, RevertOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new RevertOptions();
        return ApplyCommitAsync(branch, commitRef, options, revert: false, cancellationToken);
    }

    private async Task<Commit> ApplyCommitAsync(string branch, string commitRef, RevertOptions options, bool revert, CancellationToken cancellationToken)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateRefName(branch, "branch");
        ArgumentNullException.ThrowIfNull(commitRef);
        var committer = options.Committer ?? _options.Committer;
        ArgumentException.ThrowIfNullOrEmpty(committer, nameof(options));
        var metadata = MetadataLimits.ValidateCommit(options.Message, committer, options.Metadata);
        var verb = revert ? "revert" : "cherry-pick";
        var target = GetCommit(Resolve(commitRef).CommitId);
        var parent = GetCommit(ParentFor(target, options.ParentNumber, verb));
        metadata[revert ? RevertedCommitKey : CherryPickedFromKey] = target.Id;
        var message = options.Message ?? (revert ? $"Revert {target.Id[..12]}: {target.Message}" : target.Message);

        var targetTree = await _trees.GetMetaRangeAsync(target.MetaRangeId, cancellationToken).ConfigureAwait(false);
        var parentTree = await _trees.GetMetaRangeAsync(parent.MetaRangeId, cancellationToken).ConfigureAwait(false);
        // Revert brings the parent's side onto the branch with the commit as base; cherry-pick the reverse.
        var (baseTree, sourceTree) = revert ? (targetTree, parentTree) : (parentTree, targetTree);
        for (var attempt = 1; attempt <= MaxCommitAttempts; attempt++)
        {
            var record = _refs.GetBranch(branch) ?? throw new BranchNotFoundException($"Branch '{branch}' does not exist.");
            var head = GetCommit(record.Head);
            var staged = await EnsureCleanAsync(record, head, verb + " onto", cancellationToken).ConfigureAwait(false);
            var (tree, statistics, _) = await ThreeWayAsync(
                baseTree, sourceTree, head, options.Strategy, options.Resolver, $"To {verb} {target.Id[..12]} onto '{branch}'", cancellationToken).ConfigureAwait(false);
            if (statistics.Changes == 0)
            {
                throw new NoChangesException($"To {verb} {target.Id[..12]} onto '{branch}' changes nothing.");
            }
            var commit = NewCommit([head.Id], tree, message, committer, metadata, statistics);
            var retire = staged ? await FreezeStagedAsync(branch, head, verb + " onto", cancellationToken).ConfigureAwait(false) : [];
            if (_refs.MoveHead(branch, head.Id, commit with { Statistics = null }, commit.Id, retire))
            {
                _commits.Add(commit.Id, commit with { Statistics = null });
                _logger.LogInformation("Applied {Verb} of {Target} on {Branch} as {Commit}", verb, target.Id, branch, commit.Id);
                return commit;
            }
        }
        throw new ConflictException($"Branch '{branch}' kept moving during the {verb}; gave up after {MaxCommitAttempts} attempts.");
    }

    private static string ParentFor(Commit commit, int? parentNumber, string verb)
    {
        if (commit.Parents.Count == 0)
        {
            throw new InvalidParentException($"Cannot {verb} {commit.Id[..12]}: it is the first commit and has no parent.");
        }
        if (commit.Parents.Count > 1 && parentNumber is null)
        {
            throw new InvalidParentException($"Cannot {verb} {commit.Id[..12]}: it is a merge commit with {commit.Parents.Count} parents; give a parent number.");
        }
        if (commit.Parents.Count == 1 && parentNumber is not null and not 1)
        {
            throw new InvalidParentException($"Cannot {verb} {commit.Id[..12]} against parent {parentNumber}: it has a single parent.");
        }
        var number = parentNumber ?? 1;
        if (number < 1 || number > commit.Parents.Count)
        {
            throw new InvalidParentException($"Cannot {verb} {commit.Id[..12]} against parent {number}: it has {commit.Parents.Count} parents.");
        }
        return commit.Parents[number - 1];
    }

    /// <summary>
    /// Three-way merge of base/source onto the destination commit in one streaming pass: destination ranges the
    /// destination never changed take the source's range of the same bounds whole (<see cref="RangeReplacements"/>), the
    /// rest of the tree is rebuilt with the source's changes, reusing every range they do not touch, and each conflict is resolved
    /// by the resolver or strategy as the walk reaches it. With conflicts left unresolved nothing is committed and
    /// every one of them is reported (the range files written on the way are unreferenced).
    /// </summary>
    private async Task<(MetaRange Tree, CommitStatistics Statistics, int Resolved)> ThreeWayAsync(
        MetaRange baseTree, MetaRange sourceTree, Commit destination,
        MergeStrategy strategy, Func<Conflict, ConflictResolution>? resolver, string what, CancellationToken cancellationToken)
    {
        var destinationTree = await _trees.GetMetaRangeAsync(destination.MetaRangeId, cancellationToken).ConfigureAwait(false);
        var unresolved = new List<Conflict>();
        var resolvedCount = 0;
        (bool, byte[]?) Resolve(ThreeWayDifference step)
        {
            var path = Utf8(step.Key);
            var baseEntry = step.Base is { } b ? EntryCodec.Decode(b.Span) : null;
            // A conflict entry of a virtual base has no bytes: the resolver sees no base version, and why.
            var basesConflict = baseEntry is not null && VirtualBase.IsConflictEntry(baseEntry);
            var conflict = new Conflict(path, basesConflict || baseEntry is null ? null : ToInfo(path, baseEntry), ToInfo(path, step.Source), ToInfo(path, step.Destination))
            {
                BasesConflict = basesConflict,
            };
            var resolution = resolver is not null ? resolver(conflict) : strategy switch
            {
                MergeStrategy.SourceWins => ConflictResolution.UseSource,
                MergeStrategy.DestinationWins => ConflictResolution.UseDestination,
                _ => null,
            };
            if (resolution is null)
            {
                unresolved.Add(conflict);
                return (false, null);
            }
            resolvedCount++;
            return resolution.Choice switch
            {
                ConflictChoice.Source => (true, step.Source?.ToArray()),
                ConflictChoice.Custom => (true, resolution.Custom is { } custom ? EntryCodec.Encode(FromInfo(custom)) : null),
                _ => (false, null),
            };
        }

        var (tree, statistics) = await ThreeWayMerge.MergeAsync(_trees, baseTree, sourceTree, destinationTree, Resolve, cancellationToken).ConfigureAwait(false);
        if (unresolved.Count > 0)
        {
            var shown = string.Join(", ", unresolved.Take(10).Select(c => $"'{c.Path}'"));
            throw new MergeConflictException(
                $"{what}: {unresolved.Count} conflicting path(s): {shown}{(unresolved.Count > 10 ? ", …" : "")}. Nothing was changed.", unresolved);
        }
        return (tree, statistics, resolvedCount);
    }

    private async Task<long> CountChangesAsync(Commit from, Commit to, CancellationToken cancellationToken)
    {
        var a = await _trees.GetMetaRangeAsync(from.MetaRangeId, cancellationToken).ConfigureAwait(false);
        var b = await _trees.GetMetaRangeAsync(to.MetaRangeId, cancellationToken).ConfigureAwait(false);
        long count = 0;
        await foreach (var _ in TreeDiff.DiffAsync(_trees, a, b, [], cancellationToken).ConfigureAwait(false))
        {
            count++;
        }
        return count;
    }

    /// <summary>
    /// Refuses a branch with uncommitted changes (<see cref="UncommittedChangesAsync"/>) against <paramref name="head"/>.
    /// Returns whether any rows are staged at all — rows that change nothing, which must be frozen and retired when
    /// the head moves (<see cref="FreezeStagedAsync"/>). With nothing staged this costs one indexed probe per token;
    /// otherwise the scan stops at the first real change.
    /// </summary>
    private async Task<bool> EnsureCleanAsync(BranchRecord branch, Commit head, string verb, CancellationToken cancellationToken)
    {
        if (_refs.StagedPaths(branch, 1).Count == 0)
        {
            return false;
        }
        await ThrowIfChangedAsync(branch.Name, branch.Tokens, head, verb, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Right before a merge, revert or cherry-pick moves the head of a branch whose staged rows all change nothing:
    /// freezes them (later writes go to a fresh token) and checks the frozen rows again, since a write may have come
    /// in since <see cref="EnsureCleanAsync"/>. The returned tokens are retired with the head's move: left in place
    /// they would hide, at every path the move changes, the new version behind a copy of the old one.
    /// </summary>
    private async Task<long[]> FreezeStagedAsync(string branch, Commit head, string verb, CancellationToken cancellationToken)
    {
        var frozen = _refs.FreezeStaging(branch).FrozenTokens;
        await ThrowIfChangedAsync(branch, frozen, head, verb, cancellationToken).ConfigureAwait(false);
        return frozen;
    }

    private async Task ThrowIfChangedAsync(string branch, IReadOnlyList<long> tokens, Commit head, string verb, CancellationToken cancellationToken)
    {
        var tree = await _trees.GetMetaRangeAsync(head.MetaRangeId, cancellationToken).ConfigureAwait(false);
        var changed = new List<string>();
        using (var snapshot = _refs.Open())
        {
            snapshot.Begin(write: false);
            await foreach (var change in UncommittedChangesAsync(snapshot, tokens, tree, [], cancellationToken).ConfigureAwait(false))
            {
                changed.Add(change.Path);
                if (changed.Count > 5)
                {
                    break;
                }
            }
        }
        if (changed.Count > 0)
        {
            var shown = string.Join(", ", changed.Take(5).Select(p => $"'{p}'"));
            throw new DirtyBranchException(
                $"Cannot {verb} branch '{branch}': it has uncommitted changes ({shown}{(changed.Count > 5 ? ", …" : "")}). Commit or reset them first.");
        }
    }

    private Commit NewCommit(string[] parents, MetaRange tree, string message, string committer, SortedDictionary<string, string> metadata, CommitStatistics statistics)
    {
        var created = _options.TimeProvider.GetUtcNow();
        var generation = 1 + parents.Max(p => GetCommit(p).Generation);
        return new Commit(CommitId.Compute(parents, tree.Id, message, committer, created, metadata),
            parents, tree.Id, message, committer, created, metadata, generation)
        {
            Statistics = statistics,
        };
    }

    // ------------------------------------------------------------------ reset

    /// <summary>Drops every uncommitted change on the branch.</summary>
    public Task ResetAsync(string branch, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateRefName(branch, "branch");
        _refs.ResetBranch(branch);
        return Task.CompletedTask;
    }

    /// <summary>Drops the uncommitted change at one path, so the branch shows its committed object there again.</summary>
    public Task ResetObjectAsync(string branch, string path, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateRefName(branch, "branch");
        var key = Names.ValidatePath(path);
        _refs.ResetKeys(branch, key, Successor(key));
        return Task.CompletedTask;
    }

    /// <summary>Drops the uncommitted changes under a prefix.</summary>
    public Task ResetPrefixAsync(string branch, string prefix, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateRefName(branch, "branch");
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        var key = Names.ValidatePrefix(prefix);
        _refs.ResetKeys(branch, key, PrefixEnd(key));
        return Task.CompletedTask;
    }

    // ------------------------------------------------------------------ conversions

    private static Change ToChange(byte[] key, ReadOnlyMemory<byte>? left, ReadOnlyMemory<byte>? right)
    {
        var path = Utf8(key);
        var kind = left is null ? ChangeKind.Added : right is null ? ChangeKind.Removed : ChangeKind.Changed;
        return new Change(path, kind, ToInfo(path, left), ToInfo(path, right));
    }

    private static ObjectInfo? ToInfo(string path, ReadOnlyMemory<byte>? value) =>
        value is { } v ? ToInfo(path, EntryCodec.Decode(v.Span)) : null;

    /// <summary>The entry for a resolver's custom object, whose metadata is checked like a put's.</summary>
    private static Entry FromInfo(ObjectInfo info)
    {
        if (info.Size < 0)
        {
            throw new ArgumentException(
                $"A conflict resolution for '{info.Path}' gives a negative size ({info.Size}); use one of the conflict's objects or one written to the repository.", nameof(info));
        }
        MetadataLimits.ValidateObject(info.ContentType, info.Metadata);
        MetadataLimits.ValidateChecksum(info.Checksum);
        return new(info.PhysicalAddress, info.Size, info.Checksum, info.ContentType,
            new SortedDictionary<string, string>(info.Metadata.ToDictionary(), StringComparer.Ordinal), info.LastModified);
    }
}
