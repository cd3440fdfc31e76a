using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Threading.Channels;
using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Refs;
using LakeFs.Core.Trees;
using LakeFs.Storage;

namespace LakeFs.Core.Verification;

/// <summary>
/// Walks everything reachable in a repository once and checks it, like <c>git fsck</c>: every commit reachable
/// from a branch or tag (its id recomputed from its content), every metarange and range file (read from the
/// object store, never from the caches, hashed against its id, then decoded, which checks every block's
/// checksum), and every data object an entry names (stat: existence and size; with content checking, its SHA-256).
/// Damage is reported, not thrown; a transient storage error, a cancellation or a disposed repository is thrown.
/// <para>
/// Files are shared: a range unchanged across a thousand commits is read once, a data object named by many entries
/// is checked once (a set of the distinct objects seen, about 100 bytes each, emptied past 1,048,576 so memory
/// stays bounded; past that an object may be checked twice). Commits are checked as the walk reaches them (only
/// their ids are remembered, with the ids of metaranges and ranges read). Ranges are read one at a time; data
/// objects are checked <see cref="VerifyOptions.MaxParallelism"/> at a time while the ranges are read.
/// </para>
/// </summary>
internal sealed class RepositoryVerifier(IRefStore refs, IObjectStore store, VerifyOptions options, IProgress<VerifyProgress>? progress)
{
    private readonly List<VerifyProblem> _problems = [];
    /// <summary>Distinct data objects remembered as checked (about 100 bytes each).</summary>
    private const int MaxObjectsRemembered = 1 << 20;

    private readonly HashSet<(string Address, long Size, string? Checksum)> _objectsSeen = [];
    private long _problemCount;
    private long _commits;
    private long _metaRanges;
    private long _ranges;
    private long _entries;
    private long _objects;

    public async Task<VerifyReport> RunAsync(CancellationToken cancellationToken)
    {
        var branches = new List<BranchRecord>();
        await foreach (var branch in refs.ListBranchesAsync(cancellationToken).ConfigureAwait(false))
        {
            branches.Add(branch);
        }
        var roots = branches.Select(b => (Ref: b.Name, CommitId: b.Head, Kind: "branch")).ToList();
        await foreach (var tag in refs.ListTagsAsync(cancellationToken).ConfigureAwait(false))
        {
            roots.Add((tag.Name, tag.CommitId, "tag"));
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = Channel.CreateBounded<ObjectCheck>(new BoundedChannelOptions(options.MaxParallelism * 64) { SingleWriter = true });
        var workers = options.CheckObjects
            ? Enumerable.Range(0, options.MaxParallelism).Select(_ => Task.Run(() => CheckObjectsAsync(channel.Reader, stop), CancellationToken.None)).ToArray()
            : [];
        var producer = Task.Run(async () =>
        {
            try
            {
                await CheckTreesAsync(WalkCommitsAsync(roots, stop.Token), channel.Writer, stop.Token).ConfigureAwait(false);
                await CheckStagingAsync(branches, channel.Writer, stop.Token).ConfigureAwait(false);
            }
            catch
            {
                await stop.CancelAsync().ConfigureAwait(false);
                throw;
            }
            finally
            {
                channel.Writer.TryComplete();
            }
        }, CancellationToken.None);
        // A failed worker cancels the producer: the worker's error is the one thrown (WhenAll skips cancelled tasks' errors).
        await Task.WhenAll([producer, .. workers]).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();

        ReportProgress();
        lock (_problems)
        {
            return new VerifyReport
            {
                Commits = _commits,
                MetaRanges = _metaRanges,
                Ranges = _ranges,
                Entries = _entries,
                Objects = Interlocked.Read(ref _objects),
                ProblemCount = _problemCount,
                Problems = [.. _problems],
            };
        }
    }

    // ------------------------------------------------------------------ commits

    /// <summary>Every commit reachable from <paramref name="roots"/>, each once, with the ref it was first reached through.</summary>
    private async IAsyncEnumerable<(Commit Commit, string Ref)> WalkCommitsAsync(
        List<(string Ref, string CommitId, string Kind)> roots, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<(string Id, string Ref, string? Child, string RootKind)>();
        for (var i = roots.Count - 1; i >= 0; i--)
        {
            pending.Push((roots[i].CommitId, roots[i].Ref, null, roots[i].Kind));
        }
        while (pending.TryPop(out var next))
        {
            if (!seen.Add(next.Id))
            {
                continue;
            }
            Commit? commit;
            try
            {
                commit = await refs.GetCommitAsync(next.Id, cancellationToken).ConfigureAwait(false);
            }
            catch (CorruptDataException e)
            {
                AddProblem(new VerifyProblem
                {
                    Kind = VerifyProblemKind.CorruptCommit,
                    Message = $"Commit {next.Id} (reached from '{next.Ref}') cannot be read: {e.Message}",
                    Ref = next.Ref,
                    CommitId = next.Id,
                    File = refs.Description,
                });
                continue;
            }
            if (commit is null)
            {
                var where = next.Child is null ? $"{next.RootKind} '{next.Ref}' points at commit {next.Id}" : $"commit {next.Child} (reached from '{next.Ref}') names parent {next.Id}";
                AddProblem(new VerifyProblem
                {
                    Kind = VerifyProblemKind.MissingCommit,
                    Message = $"{Repository.Capitalize(where)}, which is missing from {refs.Description}. Restore the ref store from a backup, or move the {next.RootKind} to a readable commit.",
                    Ref = next.Ref,
                    CommitId = next.Id,
                    File = refs.Description,
                });
                continue;
            }
            if (await refs.IsCommitExpiredAsync(commit.Id, cancellationToken).ConfigureAwait(false))
            {
                // Garbage collection may have deleted its tree: not damage. Its ancestors are reached through kept commits or not at all.
                continue;
            }
            _commits++;
            var computed = CommitId.Compute(commit.Parents, commit.MetaRangeId, commit.Message, commit.Committer, commit.CreationDate, commit.Metadata);
            if (computed != commit.Id)
            {
                AddProblem(new VerifyProblem
                {
                    Kind = VerifyProblemKind.CorruptCommit,
                    Message = $"Commit {commit.Id} (reached from '{next.Ref}') does not hash to its id (its content hashes to {computed}): its row in {refs.Description} was changed.",
                    Ref = next.Ref,
                    CommitId = commit.Id,
                    File = refs.Description,
                });
            }
            yield return (commit, next.Ref);
            for (var p = commit.Parents.Count - 1; p >= 0; p--)
            {
                pending.Push((commit.Parents[p], next.Ref, commit.Id, next.RootKind));
            }
            if (_commits % 1024 == 0)
            {
                ReportProgress();
            }
        }
    }

    // ------------------------------------------------------------------ trees

    private async Task CheckTreesAsync(IAsyncEnumerable<(Commit Commit, string Ref)> commits, ChannelWriter<ObjectCheck> objects, CancellationToken cancellationToken)
    {
        var metaRangesSeen = new HashSet<string>(StringComparer.Ordinal);
        var rangesSeen = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var (commit, @ref) in commits.ConfigureAwait(false))
        {
            if (!metaRangesSeen.Add(commit.MetaRangeId))
            {
                continue;
            }
            var ranges = await ReadMetaRangeAsync(commit, @ref, cancellationToken).ConfigureAwait(false);
            foreach (var range in ranges)
            {
                if (rangesSeen.Add(range.Id))
                {
                    await CheckRangeAsync(range, commit, @ref, objects, cancellationToken).ConfigureAwait(false);
                    ReportProgress();
                }
            }
        }
    }

    /// <summary>The ranges of the commit's tree; none when the metarange is missing or damaged (reported).</summary>
    private async Task<IReadOnlyList<RangeRef>> ReadMetaRangeAsync(Commit commit, string @ref, CancellationToken cancellationToken)
    {
        var id = commit.MetaRangeId;
        var key = TreeStore.MetaRangePrefix + id;
        VerifyProblem Problem(VerifyProblemKind kind, string message) => new() { Kind = kind, Message = message, Ref = @ref, CommitId = commit.Id, File = key };

        var bytes = await ReadFileAsync(key, cancellationToken).ConfigureAwait(false);
        if (bytes.Missing)
        {
            AddProblem(Problem(VerifyProblemKind.MissingMetaRange,
                $"The metarange {key} of commit {commit.Id} (reached from '{@ref}') is missing from the object store: the commit's tree cannot be read. Restore the file from a backup or replica."));
            return [];
        }
        if (bytes.Error is { } error)
        {
            AddProblem(Problem(VerifyProblemKind.UnreadableFile, $"The metarange {key} of commit {commit.Id} cannot be read: {error.Message}"));
            return [];
        }
        _metaRanges++;
        var content = bytes.Content!;
        var detail = HashMismatch(id, content);
        var ranges = new List<RangeRef>();
        if (detail is null && content.Length > 0)
        {
            try
            {
                var cursor = RangeReader.Open(id, content).CreateCursor();
                while (cursor.MoveNext())
                {
                    ranges.Add(RangeRef.Decode(cursor.Key, cursor.Value.Span));
                }
            }
            catch (CorruptDataException e)
            {
                detail = e.Message;
            }
        }
        if (detail is not null)
        {
            AddProblem(Problem(VerifyProblemKind.CorruptMetaRange,
                $"The metarange {key} of commit {commit.Id} (reached from '{@ref}') is damaged ({detail}): the commit's tree cannot be read. Restore the file from a backup or replica."));
            return [];
        }
        return ranges;
    }

    private async Task CheckRangeAsync(RangeRef range, Commit commit, string @ref, ChannelWriter<ObjectCheck> objects, CancellationToken cancellationToken)
    {
        var key = TreeStore.RangePrefix + range.Id;
        var firstPath = Repository.Utf8(range.MinKey);
        var covers = $"paths '{firstPath}' to '{Repository.Utf8(range.MaxKey)}'";
        VerifyProblem Problem(VerifyProblemKind kind, string message) => new() { Kind = kind, Message = message, Ref = @ref, CommitId = commit.Id, Path = firstPath, File = key };

        var bytes = await ReadFileAsync(key, cancellationToken).ConfigureAwait(false);
        if (bytes.Missing)
        {
            AddProblem(Problem(VerifyProblemKind.MissingRange,
                $"The range {key} ({covers}) of commit {commit.Id} (reached from '{@ref}') is missing from the object store. Restore the file from a backup or replica."));
            return;
        }
        if (bytes.Error is { } error)
        {
            AddProblem(Problem(VerifyProblemKind.UnreadableFile, $"The range {key} ({covers}) of commit {commit.Id} cannot be read: {error.Message}"));
            return;
        }
        _ranges++;
        var content = bytes.Content!;
        var mismatch = HashMismatch(range.Id, content);
        var pending = new List<ObjectCheck>();
        string? detail = null;
        string? path = null;
        try
        {
            var reader = RangeReader.Open(range.Id, content);
            var cursor = reader.CreateCursor();
            long count = 0;
            while (cursor.MoveNext())
            {
                path = Repository.Utf8(cursor.Key);
                var entry = EntryCodec.Decode(cursor.Value.Span);
                count++;
                if (mismatch is null && ShouldCheck(entry))
                {
                    pending.Add(new ObjectCheck(entry.Address, entry.Size, entry.Checksum, path, commit.Id, @ref));
                }
            }
            _entries += count;
            if (mismatch is null && (count != range.Count || !reader.Properties.MinKey.AsSpan().SequenceEqual(range.MinKey) || !reader.Properties.MaxKey.AsSpan().SequenceEqual(range.MaxKey)))
            {
                AddProblem(Problem(VerifyProblemKind.CorruptMetaRange,
                    $"The metarange {commit.MetaRangeId} of commit {commit.Id} says the range {key} holds {range.Count} entries ({covers}), but it holds {count} ('{Repository.Utf8(reader.Properties.MinKey)}' to '{Repository.Utf8(reader.Properties.MaxKey)}').")
                    with { File = TreeStore.MetaRangePrefix + commit.MetaRangeId });
            }
        }
        catch (Exception e) when (e is CorruptDataException || (mismatch is not null && e is ArgumentException or IndexOutOfRangeException or OverflowException or FormatException))
        {
            // A file that fails its hash may hold anything; one that passes it but does not decode was written so.
            detail = e.Message + (path is null ? "" : $" (after '{path}')");
        }
        if (mismatch is not null || detail is not null)
        {
            AddProblem(Problem(VerifyProblemKind.CorruptRange,
                $"The range {key} ({covers}) of commit {commit.Id} (reached from '{@ref}') is damaged ({detail ?? mismatch}): those paths cannot be read at that commit, nor at any other sharing the file. Restore the file from a backup or replica."));
            return;
        }
        foreach (var check in pending)
        {
            await objects.WriteAsync(check, cancellationToken).ConfigureAwait(false);
        }
    }

    // ------------------------------------------------------------------ staging

    private async Task CheckStagingAsync(List<BranchRecord> branches, ChannelWriter<ObjectCheck> objects, CancellationToken cancellationToken)
    {
        foreach (var branch in branches)
        {
            foreach (var token in branch.Tokens)
            {
                await foreach (var row in refs.ScanStagedAsync(token, [], cancellationToken).ConfigureAwait(false))
                {
                    if (row.Entry is null)
                    {
                        continue;
                    }
                    var path = Repository.Utf8(row.Path);
                    Entry entry;
                    try
                    {
                        entry = EntryCodec.Decode(row.Entry);
                    }
                    catch (CorruptDataException e)
                    {
                        AddProblem(new VerifyProblem
                        {
                            Kind = VerifyProblemKind.CorruptStagedEntry,
                            Message = $"The uncommitted entry '{path}' on branch '{branch.Name}' cannot be read ({e.Message}). Reset the path on the branch and put the object again.",
                            Ref = branch.Name,
                            Path = path,
                            File = refs.Description,
                        });
                        continue;
                    }
                    _entries++;
                    if (ShouldCheck(entry))
                    {
                        await objects.WriteAsync(new ObjectCheck(entry.Address, entry.Size, entry.Checksum, path, null, branch.Name), cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ data objects

    private bool ShouldCheck(Entry entry)
    {
        // Objects of named import sources live in stores the verifier is not given; imports from the repository's own
        // store (an empty source) are checked there like linked objects.
        if (!options.CheckObjects || entry.Source is { Length: > 0 })
        {
            return false;
        }
        if (_objectsSeen.Count >= MaxObjectsRemembered)
        {
            // Memory stays bounded, whatever the repository's size: past this many, an object may be checked twice.
            _objectsSeen.Clear();
        }
        return _objectsSeen.Add((entry.Address, entry.Size, options.CheckContent ? entry.Checksum : null));
    }

    private async Task CheckObjectsAsync(ChannelReader<ObjectCheck> reader, CancellationTokenSource stop)
    {
        try
        {
            while (await reader.WaitToReadAsync(stop.Token).ConfigureAwait(false))
            {
                while (reader.TryRead(out var check))
                {
                    await CheckObjectAsync(check, stop.Token).ConfigureAwait(false);
                    Interlocked.Increment(ref _objects);
                }
            }
        }
        catch
        {
            await stop.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task CheckObjectAsync(ObjectCheck check, CancellationToken cancellationToken)
    {
        var where = check.CommitId is null ? $"uncommitted on branch '{check.Ref}'" : $"in commit {check.CommitId} (reached from '{check.Ref}')";
        VerifyProblem Problem(VerifyProblemKind kind, string message) =>
            new() { Kind = kind, Message = message, Ref = check.Ref, CommitId = check.CommitId, Path = check.Path, File = check.Address };

        ObjectStat? stat;
        try
        {
            stat = await store.StatAsync(check.Address, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException e) when (e is not TransientStorageException)
        {
            AddProblem(Problem(VerifyProblemKind.UnreadableFile, $"The data object {check.Address} of '{check.Path}' ({where}) cannot be read: {e.Message}"));
            return;
        }
        if (stat is null)
        {
            AddProblem(Problem(VerifyProblemKind.MissingObject,
                $"The data object {check.Address} of '{check.Path}' ({where}) is missing from the object store. Restore it from a backup, or delete or overwrite the path."));
            return;
        }
        if (stat.Size != check.Size)
        {
            AddProblem(Problem(VerifyProblemKind.ObjectSizeMismatch,
                $"The data object {check.Address} of '{check.Path}' ({where}) has {stat.Size} bytes, not the {check.Size} recorded: it was changed in the store. Restore it from a backup, or overwrite the path."));
            return;
        }
        if (!options.CheckContent || !CommitId.IsFullId(check.Checksum))
        {
            return;
        }
        string actual;
        long read;
        try
        {
            var stream = await store.OpenReadAsync(check.Address, null, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                (actual, read) = await HashAsync(stream, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (StorageKeyNotFoundException)
        {
            AddProblem(Problem(VerifyProblemKind.MissingObject, $"The data object {check.Address} of '{check.Path}' ({where}) went missing from the object store while being checked."));
            return;
        }
        catch (StorageException e) when (e is not TransientStorageException)
        {
            AddProblem(Problem(VerifyProblemKind.UnreadableFile, $"The data object {check.Address} of '{check.Path}' ({where}) cannot be read: {e.Message}"));
            return;
        }
        if (read != check.Size || actual != check.Checksum)
        {
            AddProblem(Problem(VerifyProblemKind.ObjectChecksumMismatch,
                $"The data object {check.Address} of '{check.Path}' ({where}) has SHA-256 {actual} ({read} bytes), not the {check.Checksum} recorded: it was changed in the store. Restore it from a backup, or overwrite the path."));
        }
    }

    private static async Task<(string Sha256, long Bytes)> HashAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            total += read;
        }
        return (Convert.ToHexStringLower(hash.GetHashAndReset()), total);
    }

    // ------------------------------------------------------------------ helpers

    private readonly record struct FileRead(byte[]? Content, bool Missing, StorageException? Error);

    /// <summary>A whole file from the object store (never from a cache: the point is to read what is stored).</summary>
    private async Task<FileRead> ReadFileAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var stream = await store.OpenReadAsync(key, null, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                using var copy = new MemoryStream();
                await stream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
                return new FileRead(copy.ToArray(), false, null);
            }
        }
        catch (StorageKeyNotFoundException)
        {
            return new FileRead(null, true, null);
        }
        catch (StorageException e) when (e is not TransientStorageException)
        {
            return new FileRead(null, false, e);
        }
    }

    /// <summary>Null when the file's bytes hash to its id (every tree file is named by the SHA-256 of its bytes), else why not.</summary>
    private static string? HashMismatch(string id, byte[] content)
    {
        var actual = Convert.ToHexStringLower(SHA256.HashData(content));
        return actual == id ? null : $"its {content.Length} bytes hash to {actual[..12]}…, not to its id: changed, truncated or extended in the store";
    }

    private void AddProblem(VerifyProblem problem)
    {
        lock (_problems)
        {
            _problemCount++;
            if (_problems.Count < options.MaxProblems)
            {
                _problems.Add(problem);
            }
        }
    }

    private void ReportProgress()
    {
        if (progress is null)
        {
            return;
        }
        long problems;
        lock (_problems)
        {
            problems = _problemCount;
        }
        progress.Report(new VerifyProgress
        {
            Commits = _commits,
            MetaRanges = _metaRanges,
            Ranges = _ranges,
            Entries = _entries,
            Objects = Interlocked.Read(ref _objects),
            Problems = problems,
        });
    }
}
