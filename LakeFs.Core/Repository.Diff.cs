using System.Runtime.CompilerServices;
using LakeFs.Core.Model;
using LakeFs.Core.Refs;
using LakeFs.Core.Trees;
using LakeFs.Storage.Diagnostics;

namespace LakeFs.Core;

public sealed partial class Repository
{
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
        // An iterator cannot catch around a yield: the span ends when the caller stops reading, and carries the count
        // of changes only when the diff was read to its end.
        using var activity = StartActivity("lakefs.diff", null);
        if (activity is not null)
        {
            activity.SetTag("lakefs.diff.left", left);
            activity.SetTag("lakefs.diff.right", right);
        }
        long changes = 0;
        var leftCommit = await ResolveCommitAsync(left, cancellationToken).ConfigureAwait(false);
        var rightCommit = await ResolveCommitAsync(right, cancellationToken).ConfigureAwait(false);
        if (options.Mode == DiffMode.ThreeDot)
        {
            leftCommit = await FindMergeBaseAsync(leftCommit, rightCommit, cancellationToken).ConfigureAwait(false) ?? leftCommit;
        }
        var leftTree = await _trees.GetMetaRangeAsync(leftCommit.MetaRangeId, cancellationToken).ConfigureAwait(false);
        var rightTree = await _trees.GetMetaRangeAsync(rightCommit.MetaRangeId, cancellationToken).ConfigureAwait(false);
        await foreach (var d in TreeDiff.DiffAsync(_trees, leftTree, rightTree, prefix, cancellationToken).ConfigureAwait(false))
        {
            changes++;
            yield return ToChange(d.Key, d.Left, d.Right);
        }
        activity?.SetTag(LakeFsTelemetry.ChangesTag, changes);
    }

    /// <summary>
    /// The branch's uncommitted changes against its head, in path order: staged objects whose identity differs from
    /// the head's. Writing what the head holds, or deleting what it lacks, is no change. Read a page at a time, like a
    /// listing: a change staged while it runs shows when it lies ahead of its position.
    /// </summary>
    public async IAsyncEnumerable<Change> DiffUncommittedAsync(
        string branch, DiffOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateRefName(branch, "branch");
        var prefix = Names.ValidatePrefix(options?.Prefix);
        var record = await GetBranchRecordAsync(branch, cancellationToken).ConfigureAwait(false);
        if (!await _refs.HasStagedAsync(record, cancellationToken).ConfigureAwait(false))
        {
            yield break;
        }
        var head = await ReadCommitAsync(record.Head, cancellationToken).ConfigureAwait(false);
        var tree = await _trees.GetMetaRangeAsync(head.MetaRangeId, cancellationToken).ConfigureAwait(false);
        await foreach (var change in UncommittedChangesAsync(record.Tokens, tree, prefix, cancellationToken).ConfigureAwait(false))
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
        IReadOnlyList<long> tokens, MetaRange head, byte[] prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var staged = new OverlayCursor([.. tokens.Select(t => (EntryCursor)new StagingCursor(_refs, t, prefix, cancellationToken))]);
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
                        yield return new Change
                        {
                            Path = path,
                            Kind = ChangeKind.Removed,
                            Left = committed.ToObjectInfo(path),
                            Right = null,
                        };
                    }
                    continue;
                }
                var entry = EntryCodec.Decode(staged.Value.Span);
                if (committed is null)
                {
                    yield return new Change
                    {
                        Path = path,
                        Kind = ChangeKind.Added,
                        Left = null,
                        Right = entry.ToObjectInfo(path),
                    };
                }
                else if (!committed.SameIdentity(entry))
                {
                    yield return new Change
                    {
                        Path = path,
                        Kind = ChangeKind.Changed,
                        Left = committed.ToObjectInfo(path),
                        Right = entry.ToObjectInfo(path),
                    };
                }
            }
        }
    }

    private static Change ToChange(byte[] key, ReadOnlyMemory<byte>? left, ReadOnlyMemory<byte>? right)
    {
        var path = Utf8(key);
        var kind = left is null ? ChangeKind.Added : right is null ? ChangeKind.Removed : ChangeKind.Changed;
        return new Change { Path = path, Kind = kind, Left = Info(path, left), Right = Info(path, right) };
    }

    private static ObjectInfo? Info(string path, ReadOnlyMemory<byte>? value) =>
        value is { } v ? EntryCodec.Decode(v.Span).ToObjectInfo(path) : null;
}
