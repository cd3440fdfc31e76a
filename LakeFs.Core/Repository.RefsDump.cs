using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Refs;
using LakeFs.Storage;

namespace LakeFs.Core;

public sealed partial class Repository
{
    /// <summary>Where refs dumps live in the object store, one folder per dump.</summary>
    internal const string RefsDumpPrefix = InternalPrefix + "refs-dumps/";

    private const int RefsDumpFormatVersion = 1;

    /// <summary>
    /// Writes the repository's refs — default branch, every branch head and tag, every commit they reach and the
    /// branch-protection rules — as immutable files under <c>_lakefs/refs-dumps/&lt;id&gt;/</c> in the object store
    /// (format: <c>docs/refs-dump.md</c>) and returns the dump's id. With the object store, a dump is enough to rebuild
    /// the ref store (<see cref="RestoreRefsAsync"/>), into SQLite or another kind: the disaster recovery for a lost
    /// <c>refs.db</c> and the way from one ref store to another. Uncommitted changes, the audit log and commits no branch
    /// or tag reaches are not in a dump; branches with uncommitted changes are named in its manifest.
    /// </summary>
    /// <param name="cancellationToken">Stops the dump; files written so far stay, without the manifest that marks a complete dump.</param>
    public async Task<string> DumpRefsAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        var created = _options.TimeProvider.GetUtcNow();
        var id = created.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..12];
        var folder = RefsDumpPrefix + id + "/";

        var branches = new List<BranchRecord>();
        await foreach (var branch in _refs.ListBranchesAsync(cancellationToken).ConfigureAwait(false))
        {
            branches.Add(branch);
        }
        var tags = new List<TagInfo>();
        await foreach (var tag in _refs.ListTagsAsync(cancellationToken).ConfigureAwait(false))
        {
            tags.Add(tag);
        }
        var rules = await _refs.GetBranchProtectionAsync(cancellationToken).ConfigureAwait(false);
        var dirty = new List<string>();
        foreach (var branch in branches)
        {
            if (await _refs.HasStagedAsync(branch, cancellationToken).ConfigureAwait(false))
            {
                dirty.Add(branch.Name);
            }
        }
        var commits = new Dictionary<string, Commit>(StringComparer.Ordinal);
        foreach (var head in branches.Select(b => b.Head).Concat(tags.Select(t => t.CommitId)).Distinct(StringComparer.Ordinal))
        {
            if (commits.ContainsKey(head))
            {
                continue;
            }
            await foreach (var commit in _refs.WalkHistoryAsync(head, firstParent: false, cancellationToken).ConfigureAwait(false))
            {
                commits.TryAdd(commit.Id, commit);
            }
        }

        var expired = new HashSet<string>(StringComparer.Ordinal);
        foreach (var commitId in commits.Keys)
        {
            if (await _refs.IsCommitExpiredAsync(commitId, cancellationToken).ConfigureAwait(false))
            {
                expired.Add(commitId);
            }
        }

        // Parents before children, so a restore inserts them in file order.
        var commitLines = commits.Values.OrderBy(c => c.Generation).ThenBy(c => c.Id, StringComparer.Ordinal).Select(c => new JsonObject
        {
            ["expired"] = expired.Contains(c.Id),
            ["id"] = c.Id,
            ["parents"] = new JsonArray([.. c.Parents.Select(p => (JsonNode?)p)]),
            ["metaRangeId"] = c.MetaRangeId,
            ["message"] = c.Message,
            ["committer"] = c.Committer,
            ["createdTicks"] = c.CreationDate.UtcTicks,
            ["created"] = c.CreationDate.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["metadata"] = new JsonObject(c.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
            ["generation"] = c.Generation,
        });
        var files = new JsonObject();
        async Task WriteAsync(string name, IEnumerable<JsonObject> lines)
        {
            var text = new StringBuilder();
            foreach (var line in lines)
            {
                text.Append(line.ToJsonString()).Append('\n');
            }
            var bytes = Encoding.UTF8.GetBytes(text.ToString());
            await PutImmutableAsync(folder + name, bytes, cancellationToken).ConfigureAwait(false);
            files[name] = new JsonObject { ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(bytes)), ["bytes"] = bytes.Length };
        }
        await WriteAsync("commits.jsonl", commitLines).ConfigureAwait(false);
        await WriteAsync("branches.jsonl", branches.Select(b => new JsonObject { ["name"] = b.Name, ["head"] = b.Head })).ConfigureAwait(false);
        await WriteAsync("tags.jsonl", tags.Select(t => new JsonObject { ["name"] = t.Name, ["commit"] = t.CommitId })).ConfigureAwait(false);
        await WriteAsync("protection.jsonl", rules.Select(r => new JsonObject { ["pattern"] = r.Pattern, ["createdTicks"] = r.Created.UtcTicks })).ConfigureAwait(false);
        var manifest = new JsonObject
        {
            ["formatVersion"] = RefsDumpFormatVersion,
            ["repositoryId"] = Id,
            ["defaultBranch"] = DefaultBranch,
            ["created"] = created.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["commits"] = commits.Count,
            ["branches"] = branches.Count,
            ["tags"] = tags.Count,
            ["branchesWithUncommittedChanges"] = new JsonArray([.. dirty.Select(d => (JsonNode?)d)]),
            ["files"] = files,
        };
        // Last: a dump without its manifest is incomplete and never restored.
        await PutImmutableAsync(folder + "manifest.json", Encoding.UTF8.GetBytes(manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true })), cancellationToken).ConfigureAwait(false);
        return id;
    }

    private async Task PutImmutableAsync(string key, byte[] bytes, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(bytes);
        await _options.ObjectStore.PutAsync(key, stream, new PutOptions { IfNoneMatch = true, Durable = true }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Fills an empty ref store (<see cref="RepositoryOptions.RefStore"/>, of any kind) from the dump
    /// <paramref name="dumpId"/> that <see cref="DumpRefsAsync"/> wrote to <see cref="RepositoryOptions.ObjectStore"/>:
    /// every commit (each checked against its id), branch head, tag and branch-protection rule, and the default branch.
    /// Then <see cref="OpenAsync(RepositoryOptions, CancellationToken)"/> opens the repository. Branches start with no
    /// uncommitted changes and the audit log starts empty. All or nothing: a restore that fails part way removes what
    /// it wrote (the SQLite file, or the PostgreSQL schema), so the store is empty again.
    /// </summary>
    /// <exception cref="RepositoryAlreadyExistsException">The ref store holds a repository already: restore only into an empty one.</exception>
    /// <exception cref="RepositoryNotFoundException">The object store holds no repository, or no complete dump with that id.</exception>
    /// <exception cref="CorruptDataException">A file of the dump does not match its manifest, or a commit does not hash to its id.</exception>
    /// <exception cref="UnsupportedFormatVersionException">A newer version of LakeFs wrote the dump.</exception>
    public static async Task RestoreRefsAsync(RepositoryOptions options, string dumpId, CancellationToken cancellationToken = default)
    {
        ValidateOptions(options);
        ArgumentException.ThrowIfNullOrEmpty(dumpId);
        if (dumpId.Contains('/', StringComparison.Ordinal) || dumpId.Contains("..", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{dumpId}' is not a dump id (ids are what DumpRefsAsync returned, with no '/').", nameof(dumpId));
        }
        cancellationToken.ThrowIfCancellationRequested();
        if (await options.RefStore.ReadRepositoryIdAsync(cancellationToken).ConfigureAwait(false) is { } existing)
        {
            throw new RepositoryAlreadyExistsException(
                $"{Capitalize(options.RefStore.Description)} holds repository {existing} already; a restore only fills an empty ref store.");
        }
        var repositoryId = await ReadMarkerAsync(options.ObjectStore, cancellationToken).ConfigureAwait(false)
            ?? throw new RepositoryNotFoundException($"The object store holds no repository (no {MarkerKey}), so it has no refs dumps to restore.");
        var folder = RefsDumpPrefix + dumpId + "/";
        var manifestBytes = await ReadDumpFileAsync(options.ObjectStore, folder + "manifest.json", cancellationToken).ConfigureAwait(false)
            ?? throw new RepositoryNotFoundException($"The object store has no complete refs dump '{dumpId}' (no {folder}manifest.json).");
        JsonNode manifest;
        try
        {
            manifest = JsonNode.Parse(manifestBytes) ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            throw new CorruptDataException($"The manifest of refs dump '{dumpId}' is not JSON ({e.Message}).", e);
        }
        var version = (int?)manifest["formatVersion"] ?? 0;
        if (version > RefsDumpFormatVersion)
        {
            throw new UnsupportedFormatVersionException(
                $"Refs dump '{dumpId}' has format version {version}; this version of LakeFs reads version {RefsDumpFormatVersion}. Upgrade the library to restore it.");
        }
        if ((string?)manifest["repositoryId"] != repositoryId)
        {
            throw new CorruptDataException($"Refs dump '{dumpId}' belongs to repository {(string?)manifest["repositoryId"]}, but the object store to repository {repositoryId}.");
        }
        var defaultBranch = (string?)manifest["defaultBranch"] ?? throw new CorruptDataException($"The manifest of refs dump '{dumpId}' names no default branch.");

        async Task<List<JsonNode>> LinesAsync(string name)
        {
            var bytes = await ReadDumpFileAsync(options.ObjectStore, folder + name, cancellationToken).ConfigureAwait(false)
                ?? throw new CorruptDataException($"Refs dump '{dumpId}' lacks its file {name}.");
            if (Convert.ToHexStringLower(SHA256.HashData(bytes)) != (string?)manifest["files"]?[name]?["sha256"])
            {
                throw new CorruptDataException($"The file {name} of refs dump '{dumpId}' does not match the checksum in its manifest.");
            }
            try
            {
                return [.. Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!)];
            }
            catch (JsonException e)
            {
                throw new CorruptDataException($"The file {name} of refs dump '{dumpId}' has a line that is not JSON ({e.Message}).", e);
            }
        }
        var commitNodes = await LinesAsync("commits.jsonl").ConfigureAwait(false);
        var commits = commitNodes.Select(ParseDumpedCommit).ToList();
        List<string> expired = [.. commitNodes.Where(n => (bool?)n["expired"] == true).Select(n => (string)n["id"]!)];
        var branches = (await LinesAsync("branches.jsonl").ConfigureAwait(false)).Select(n => ((string)n["name"]!, (string)n["head"]!)).ToList();
        var tags = (await LinesAsync("tags.jsonl").ConfigureAwait(false)).Select(n => ((string)n["name"]!, (string)n["commit"]!)).ToList();
        var rules = (await LinesAsync("protection.jsonl").ConfigureAwait(false)).Select(n => ((string)n["pattern"]!, (long)n["createdTicks"]!)).ToList();
        var root = commits.FirstOrDefault(c => c.Parents.Count == 0)
            ?? throw new CorruptDataException($"Refs dump '{dumpId}' has no first commit (one without parents).");
        var defaultHead = branches.FirstOrDefault(b => b.Item1 == defaultBranch).Item2
            ?? throw new CorruptDataException($"Refs dump '{dumpId}' has no head for its default branch '{defaultBranch}'.");

        var refs = await options.RefStore.CreateAsync(repositoryId, defaultBranch, root, options.Durability, options.CommitCacheSize, cancellationToken).ConfigureAwait(false);
        try
        {
            using (refs)
            {
                foreach (var commit in commits)
                {
                    await refs.InsertCommitAsync(commit, cancellationToken).ConfigureAwait(false);
                }
                if (defaultHead != root.Id
                    && !await refs.TryUpdateBranchAsync(new BranchUpdate(defaultBranch, root.Id, defaultHead, null, []), cancellationToken).ConfigureAwait(false))
                {
                    throw new ConflictException($"The default branch '{defaultBranch}' moved while its refs were being restored; restore into an empty ref store no one else uses.");
                }
                foreach (var (name, head) in branches.Where(b => b.Item1 != defaultBranch))
                {
                    await refs.CreateBranchAsync(name, head, null, cancellationToken).ConfigureAwait(false);
                }
                foreach (var (name, commitId) in tags)
                {
                    await refs.CreateTagAsync(name, commitId, null, cancellationToken).ConfigureAwait(false);
                }
                // Last: an expired commit can be no ref's target, and marking refuses those that are.
                await refs.MarkCommitsExpiredAsync(expired, DateTimeOffset.UnixEpoch, cancellationToken).ConfigureAwait(false);
                foreach (var (pattern, ticks) in rules)
                {
                    await refs.AddBranchProtectionAsync(pattern, new DateTimeOffset(ticks, TimeSpan.Zero), null, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception failure)
        {
            // All or nothing: a restore that fails part way (a dump whose refs do not fit together, a lost connection,
            // cancellation) removes what it wrote, so the store is empty again and a restore can be tried again.
            try
            {
                await options.RefStore.DeleteAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception cleanup)
            {
                throw new AggregateException(
                    $"The restore failed ({failure.Message}) and removing what it wrote failed too ({cleanup.Message}); empty {options.RefStore.Description} by hand before restoring again.",
                    failure, cleanup);
            }
            throw;
        }
    }

    private static Commit ParseDumpedCommit(JsonNode node)
    {
        var id = (string?)node["id"] ?? "";
        try
        {
            var metadata = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in node["metadata"]!.AsObject())
            {
                metadata[key] = (string)value!;
            }
            var commit = new Commit
            {
                Id = id,
                Parents = [.. node["parents"]!.AsArray().Select(p => (string)p!)],
                MetaRangeId = (string)node["metaRangeId"]!,
                Message = (string)node["message"]!,
                Committer = (string)node["committer"]!,
                CreationDate = new DateTimeOffset((long)node["createdTicks"]!, TimeSpan.Zero),
                Metadata = metadata,
                Generation = (long)node["generation"]!,
            };
            if (CommitId.Compute(commit.Parents, commit.MetaRangeId, commit.Message, commit.Committer, commit.CreationDate, commit.Metadata) != id)
            {
                throw new CorruptDataException($"Commit {id} of the refs dump does not hash to its id; the dump is damaged.");
            }
            return commit;
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException or ArgumentOutOfRangeException)
        {
            throw new CorruptDataException($"Commit {id} of the refs dump lacks a field or has one of the wrong type ({e.Message}).", e);
        }
    }

    private static async Task<byte[]?> ReadDumpFileAsync(IObjectStore store, string key, CancellationToken cancellationToken)
    {
        try
        {
            var stream = await store.OpenReadAsync(key, null, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                using var buffer = new MemoryStream();
                await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                return buffer.ToArray();
            }
        }
        catch (StorageKeyNotFoundException)
        {
            return null;
        }
    }
}
