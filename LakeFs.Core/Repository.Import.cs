using LakeFs.Core.Diagnostics;
using System.Globalization;
using LakeFs.Core.Errors;
using LakeFs.Core.Hooks;
using LakeFs.Core.Import;
using LakeFs.Core.Model;
using LakeFs.Core.Refs;
using LakeFs.Core.Trees;
using LakeFs.Storage;
using LakeFs.Storage.Diagnostics;
using Microsoft.Extensions.Logging;

namespace LakeFs.Core;

public sealed partial class Repository
{
    private const string GeneratedDataPrefix = "data/";

    /// <summary>
    /// Zero-copy import: commits, under <paramref name="destinationPrefix"/> of <paramref name="branch"/>, an entry for
    /// every object under <see cref="ImportSource.Prefix"/> of the source, pointing at the object where it is; no byte
    /// is read or copied. The import replaces what was under the destination prefix (paths the source no longer has
    /// are deleted), in one commit whose metadata names the source (<c>import.source</c>, <c>import.prefix</c>,
    /// <c>import.destination</c>, <c>import.objects</c>); other paths and staged changes elsewhere are untouched. A
    /// source key <c>prefix + rest</c> becomes the path <c>destinationPrefix + rest</c>; folder markers are skipped.
    /// <para>
    /// The listing streams into the tree builder: memory stays bounded whatever the number of objects. An entry's
    /// checksum is the store's ETag (else its size and time), so importing again after the source changed commits
    /// exactly the changed, added and removed objects. A whole read of an imported object checks its size; one whose
    /// object vanished from the source throws <see cref="ImportedObjectMissingException"/>. Garbage collection deletes
    /// only the repository's own generated <c>data/</c> objects, never imported ones.
    /// </para>
    /// </summary>
    /// <param name="branch">The branch to commit on.</param>
    /// <param name="source">Which store and prefix (the repository's own store outside <c>data/</c> and <c>_lakefs/</c>, or a named import source).</param>
    /// <param name="destinationPrefix">Where the objects go on the branch ("" for the whole branch; "tables/raw/" for a folder).</param>
    /// <param name="options">Message, committer and metadata of the commit.</param>
    /// <param name="progress">Objects and bytes listed so far, every 10,000 objects and at the end.</param>
    /// <param name="cancellationToken">Cancels the import before its commit; nothing changes then.</param>
    /// <returns>The commit and the counts; when the destination already matches the source, the head, unchanged.</returns>
    /// <exception cref="DirtyBranchException">The branch has uncommitted changes under the destination prefix.</exception>
    /// <exception cref="ImportSourceNotFoundException">No import source has the name.</exception>
    /// <exception cref="InvalidPathException">A prefix is not valid, the own store's prefix overlaps <c>data/</c> or <c>_lakefs/</c>, or a source key makes no valid path (nothing is imported).</exception>
    /// <exception cref="ProtectedBranchException">A protection rule covers the branch.</exception>
    public async Task<ImportResult> ImportAsync(
        string branch, ImportSource source, string destinationPrefix, ImportOptions? options = null,
        IProgress<ImportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        using var activity = StartActivity("lakefs.import", branch);
        try
        {
            var result = await ImportCoreAsync(branch, source, destinationPrefix, options, progress, cancellationToken).ConfigureAwait(false);
            if (activity is not null)
            {
                TagCommit(activity, result.Commit);
                activity.SetTag("lakefs.import.objects", result.Objects);
                activity.SetTag("lakefs.import.bytes", result.Bytes);
            }
            return result;
        }
        catch (Exception e) when (LakeFsTelemetry.Fail(activity, e))
        {
            throw;
        }
    }

    private async Task<ImportResult> ImportCoreAsync(
        string branch, ImportSource source, string destinationPrefix, ImportOptions? options,
        IProgress<ImportProgress>? progress, CancellationToken cancellationToken)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateRefName(branch, "branch");
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(source.Prefix, nameof(source));
        ArgumentNullException.ThrowIfNull(destinationPrefix);
        var destination = Names.ValidatePrefix(destinationPrefix, "destination prefix");
        Names.ValidatePrefix(source.Prefix, "source prefix");
        var (store, recorded) = ImportStoreOf(source);
        options ??= new ImportOptions();
        var committer = options.Committer ?? _options.Committer;
        ArgumentException.ThrowIfNullOrEmpty(committer, nameof(options));
        var message = options.Message ?? $"Import {source} into '{destinationPrefix}'";
        var metadata = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in options.Metadata ?? new Dictionary<string, string>())
        {
            metadata[key] = value;
        }
        metadata["import.source"] = source.Store ?? "";
        metadata["import.prefix"] = source.Prefix;
        metadata["import.destination"] = destinationPrefix;
        metadata["import.objects"] = long.MaxValue.ToString(CultureInfo.InvariantCulture);
        MetadataLimits.ValidateCommit(message, committer, metadata);
        var shown = source.ToString();

        var (result, postHookFailures) = await UpdateBranchAsync(branch, freezeStaging: true, HookEvent.PreCommit, "import into", shown, committer, async (state, token) =>
        {
            var baseTree = await _trees.GetMetaRangeAsync(state.Head.MetaRangeId, token).ConfigureAwait(false);
            await ThrowIfChangedUnderAsync(branch, state.Frozen, baseTree, destination, destinationPrefix, token).ConfigureAwait(false);
            var listing = new SourceCursor(store, source.Prefix, destination, recorded, shown,
                progress is null ? null : (objects, bytes) => progress.Report(new ImportProgress
                {
                    Objects = objects,
                    Bytes = bytes,
                }), token);
            var changes = new OverlayCursor([listing, new PrefixTombstones(_trees, baseTree, destination)]);
            MetaRange tree;
            CommitStatistics statistics;
            await using (changes.ConfigureAwait(false))
            {
                (tree, statistics) = await new TreeBuilder(_trees).BuildAsync(baseTree, changes, token).ConfigureAwait(false);
            }
            // Staged rows under the destination (all no-ops, checked above) would hide the imported entries: they go
            // with the head move. Writes made since the freeze stay, above the import.
            var trim = new StagedSelection(state.Frozen, [KeyRange.Prefix(destination)]);
            var counts = new ImportResult
            {
                Commit = state.Head,
                Objects = listing.Objects,
                Bytes = listing.Bytes,
                Skipped = listing.Skipped,
            };
            if (statistics.Changes == 0)
            {
                return new BranchCandidate<ImportResult>(state.Head.Id, null, [], counts) { Trim = trim };
            }
            metadata["import.objects"] = listing.Objects.ToString(CultureInfo.InvariantCulture);
            var commit = NewCommit([state.Head], tree, message, committer, metadata, statistics);
            return new BranchCandidate<ImportResult>(commit.Id, commit, [], counts with { Commit = commit }) { Trim = trim };
        }, cancellationToken).ConfigureAwait(false);
        _logger.Imported(
            result.Objects, result.Bytes, shown, destinationPrefix, branch, result.Commit.Id);
        return postHookFailures.Count == 0 ? result : result with { Commit = result.Commit with { PostHookFailures = postHookFailures } };
    }

    /// <summary>The store an import lists and the source name its entries record ("" for the repository's own store).</summary>
    private (IObjectStore Store, string Recorded) ImportStoreOf(ImportSource source)
    {
        if (source.Store is null)
        {
            // GC deletes unreferenced objects under data/ and the repository keeps its files under _lakefs/: an
            // imported object there could be deleted or overwritten, so neither is a source.
            foreach (var reserved in (string[])[GeneratedDataPrefix, InternalPrefix])
            {
                if (source.Prefix.StartsWith(reserved, StringComparison.Ordinal) || reserved.StartsWith(source.Prefix, StringComparison.Ordinal))
                {
                    throw new InvalidPathException(
                        $"Cannot import '{source.Prefix}' of the repository's own store: it overlaps '{reserved}', where the repository keeps its own objects. " +
                        "Import from a prefix outside data/ and _lakefs/, or register the store under a name in RepositoryOptions.ImportSources.");
                }
            }
            return (ObjectStore, "");
        }
        ImportSource.ValidateName(source.Store);
        return _options.ImportSources.TryGetValue(source.Store, out var store)
            ? (store, source.Store)
            : throw new ImportSourceNotFoundException(
                $"No import source is registered as '{source.Store}'. Register its object store in RepositoryOptions.ImportSources when opening the repository.");
    }

    /// <summary>Refuses an import over uncommitted changes under the destination prefix.</summary>
    private async Task ThrowIfChangedUnderAsync(
        string branch, IReadOnlyList<long> tokens, MetaRange head, byte[] prefix, string shownPrefix, CancellationToken cancellationToken)
    {
        var changed = new List<string>();
        await foreach (var change in UncommittedChangesAsync(tokens, head, prefix, cancellationToken).ConfigureAwait(false))
        {
            changed.Add(change.Path);
            if (changed.Count > 5)
            {
                break;
            }
        }
        if (changed.Count > 0)
        {
            var shown = string.Join(", ", changed.Take(5).Select(p => $"'{p}'"));
            throw new DirtyBranchException(
                $"Cannot import into '{shownPrefix}' on branch '{branch}': it has uncommitted changes there ({shown}{(changed.Count > 5 ? ", …" : "")}). " +
                "Commit them (a partial commit with CommitOptions.Prefixes will do) or reset them with ResetPrefixAsync first.");
        }
    }
}
