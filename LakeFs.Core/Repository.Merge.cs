using System.Runtime.CompilerServices;
using System.Text;
using LakeFs.Core.Errors;
using LakeFs.Core.Graveler;
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

    private static readonly MetaRange EmptyTree = new(string.Empty, []);

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
            leftCommit = MergeBase.Find(leftCommit, rightCommit, GetCommit) ?? leftCommit;
        }
        var leftTree = await _trees.GetMetaRangeAsync(leftCommit.MetaRangeId, cancellationToken).ConfigureAwait(false);
        var rightTree = await _trees.GetMetaRangeAsync(rightCommit.MetaRangeId, cancellationToken).ConfigureAwait(false);
        await foreach (var d in TreeDiff.DiffAsync(_trees, leftTree, rightTree, prefix, cancellationToken).ConfigureAwait(false))
        {
            yield return ToChange(d.Key, d.Left, d.Right);
        }
    }

    /// <summary>The branch's uncommitted changes against its head, in path order.</summary>
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
        var staged = new MergeCursor([.. record.Tokens.Select(t => (EntryCursor)new StagingCursor(snapshot, t, prefix))]);
        await using (staged.ConfigureAwait(false))
        {
            while (await staged.MoveNextAsync(cancellationToken).ConfigureAwait(false))
            {
                var key = staged.Key.ToArray();
                if (!key.AsSpan().StartsWith(prefix))
                {
                    yield break;
                }
                var committed = await _trees.GetEntryAsync(tree, key, cancellationToken).ConfigureAwait(false);
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

    /// <summary>The best common ancestor of two refs (criss-cross histories resolve deterministically), or null when unrelated.</summary>
    public Task<Commit?> FindMergeBaseAsync(string left, string right, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        return Task.FromResult(MergeBase.Find(GetCommit(Resolve(left).CommitId), GetCommit(Resolve(right).CommitId), GetCommit));
    }

    // ------------------------------------------------------------------ merge

    /// <summary>
    /// Merges the committed data of <paramref name="source"/> (any ref) into the branch <paramref name="destination"/>:
    /// a three-way merge against their merge base, or a fast-forward when allowed and possible. Every conflict is
    /// found before anything is written; with the default strategy they are all reported and nothing changes.
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
            EnsureClean(branch, "merge into");
            var sourceCommit = GetCommit(resolved.CommitId);
            var head = GetCommit(branch.Head);
            var mergeBase = MergeBase.Find(sourceCommit, head, GetCommit);

            if (mergeBase?.Id == sourceCommit.Id && !options.AllowEmpty)
            {
                throw new NoChangesException($"'{source}' ({sourceCommit.Id[..12]}) is already contained in branch '{destination}'.");
            }
            var canFastForward = mergeBase?.Id == head.Id && !options.Squash;
            if (options.FastForward == FastForward.Only && !canFastForward)
            {
                throw new ConflictException($"Cannot fast-forward '{destination}' to '{source}': the branch has commits the source does not contain.");
            }
            if (canFastForward && options.FastForward != FastForward.Never)
            {
                var changes = await CountChangesAsync(head, sourceCommit, cancellationToken).ConfigureAwait(false);
                if (_refs.MoveHead(destination, head.Id, null, sourceCommit.Id))
                {
                    _logger.LogInformation("Fast-forwarded {Branch} to {Commit}", destination, sourceCommit.Id);
                    return new MergeResult(sourceCommit.Id, null, true, changes, 0);
                }
                continue;
            }

            var baseTree = mergeBase is null ? EmptyTree : await _trees.GetMetaRangeAsync(mergeBase.MetaRangeId, cancellationToken).ConfigureAwait(false);
            var sourceTree = await _trees.GetMetaRangeAsync(sourceCommit.MetaRangeId, cancellationToken).ConfigureAwait(false);
            var (tree, statistics, resolvedConflicts) = await ThreeWayAsync(
                baseTree, sourceTree, head, options.Strategy, options.Resolver, $"Merging '{source}' into '{destination}'", cancellationToken).ConfigureAwait(false);
            string[] parents = options.Squash ? [head.Id] : [head.Id, sourceCommit.Id];
            var message = options.Message ?? (options.Squash ? $"Squash merge '{source}' into '{destination}'" : $"Merge '{source}' into '{destination}'");
            var commit = NewCommit(parents, tree, message, committer, metadata, statistics);
            if (_refs.MoveHead(destination, head.Id, commit with { Statistics = null }, commit.Id))
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
            EnsureClean(record, verb + " onto");
            var head = GetCommit(record.Head);
            var (tree, statistics, _) = await ThreeWayAsync(
                baseTree, sourceTree, head, options.Strategy, options.Resolver, $"To {verb} {target.Id[..12]} onto '{branch}'", cancellationToken).ConfigureAwait(false);
            if (statistics.Changes == 0)
            {
                throw new NoChangesException($"To {verb} {target.Id[..12]} onto '{branch}' changes nothing.");
            }
            var commit = NewCommit([head.Id], tree, message, committer, metadata, statistics);
            if (_refs.MoveHead(branch, head.Id, commit with { Statistics = null }, commit.Id))
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
    /// destination never changed take the source's range of the same bounds whole (<see cref="TakenRanges"/>), the
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
        (bool, byte[]?) Resolve(MergeStep step)
        {
            var path = Utf8(step.Key);
            var conflict = new Conflict(path, ToInfo(path, step.Base), ToInfo(path, step.Source), ToInfo(path, step.Destination));
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

        var taken = TakenRanges.Find(baseTree, sourceTree, destinationTree);
        var changes = new MergeStepCursor(ThreeWayMerge.StepsAsync(_trees, baseTree, sourceTree, destinationTree, cancellationToken), Resolve, taken);
        MetaRange tree;
        CommitStatistics statistics;
        await using (changes.ConfigureAwait(false))
        {
            (tree, statistics) = await new TreeBuilder(_trees).BuildAsync(taken.Destination, changes, cancellationToken).ConfigureAwait(false);
        }
        statistics = statistics with { Changes = statistics.Changes + taken.DroppedChanges };
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

    private void EnsureClean(BranchRecord branch, string verb)
    {
        var staged = _refs.StagedPaths(branch, 6);
        if (staged.Count > 0)
        {
            var shown = string.Join(", ", staged.Take(5).Select(p => $"'{Utf8(p)}'"));
            throw new DirtyBranchException(
                $"Cannot {verb} branch '{branch.Name}': it has uncommitted changes ({shown}{(staged.Count > 5 ? ", …" : "")}). Commit or reset them first.");
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
        MetadataLimits.ValidateObject(info.ContentType, info.Metadata);
        MetadataLimits.ValidateChecksum(info.Checksum);
        return new(info.PhysicalAddress, info.Size, info.Checksum, info.ContentType,
            new SortedDictionary<string, string>(info.Metadata.ToDictionary(), StringComparer.Ordinal), info.LastModified);
    }
}
