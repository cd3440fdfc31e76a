using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Refs;
using LakeFs.Core.Transfer;

namespace LakeFs.Core;

public sealed partial class Repository
{
    /// <summary>
    /// Uploads every file beneath <paramref name="folder"/> to <paramref name="branch"/>, under <paramref name="prefix"/>
    /// (a folder in the repository: "data" and "data/" are the same; null for the top), with up to
    /// <see cref="UploadOptions.MaxParallelism"/> puts at once. Object paths join the file's path below the folder with
    /// '/' whatever the OS. The objects are staged, not committed.
    /// </summary>
    /// <remarks>
    /// The folder is walked first (its list of files is held in memory: two paths a file, a few hundred bytes), and every path is
    /// checked before the first byte moves. Symbolic links are never followed: links to files and to folders are skipped
    /// and counted in <see cref="TransferResult.Skipped"/>. Hidden files are uploaded; empty folders leave no trace.
    /// <para>
    /// When a file fails (it cannot be read, or its put fails), no new file starts, those under way finish, and the call
    /// throws <see cref="TransferFailedException"/> naming the file. Every file uploaded before stays staged on the
    /// branch: upload again to finish (what is there is put again), or reset the branch to drop it. Cancellation
    /// leaves the same state. Progress is reported at the start, at most every 100 ms while files complete, and at the end.
    /// </para>
    /// </remarks>
    /// <exception cref="BranchNotFoundException">The branch does not exist.</exception>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidPathException">The prefix cannot name a folder in the repository.</exception>
    /// <exception cref="TransferFailedException">A folder could not be read, a file's path cannot be an object path, or a file failed.</exception>
    public async Task<TransferResult> UploadDirectoryAsync(
        string branch, string folder, string? prefix = null, UploadOptions? options = null,
        IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        Names.ValidateRefName(branch, "branch");
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var objectPrefix = FolderPrefix.Normalize(prefix);
        options ??= new UploadOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxParallelism, 1, nameof(options.MaxParallelism));
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"The folder '{root}' to upload does not exist.");
        }
        if (!await _refs.BranchExistsAsync(branch, cancellationToken).ConfigureAwait(false))
        {
            throw await BranchNotFoundAsync(branch, cancellationToken).ConfigureAwait(false);
        }
        await ThrowIfProtectedAsync(branch, $"upload '{root}' to", cancellationToken).ConfigureAwait(false);

        var (files, bytesTotal, skipped) = await Task.Run(() => FolderWalk.Collect(root, objectPrefix, cancellationToken), cancellationToken).ConfigureAwait(false);
        var plain = new PutObjectOptions();
        var contentTypeOf = options.ContentTypeOf;
        var (done, bytes) = await TransferLoop.RunAsync(
            files, bytesTotal, options.MaxParallelism, progress, _options.TimeProvider,
            async (file, ct) =>
            {
                var put = contentTypeOf is null ? plain : new PutObjectOptions { ContentType = contentTypeOf(file.ObjectPath) };
                var info = await PutFileAsync(branch, file.ObjectPath, file.LocalPath, put, ct).ConfigureAwait(false);
                return info.Size;
            },
            (file, completed, e) => new TransferFailedException(
                $"Uploading '{file.LocalPath}' to '{file.ObjectPath}' on branch '{branch}' failed: {e.Message} " +
                $"The {completed} files uploaded before stay staged; upload again to finish, or reset the branch to drop them.",
                file.ObjectPath, file.LocalPath, completed, e),
            cancellationToken).ConfigureAwait(false);
        return new TransferResult { Files = done, Bytes = bytes, Skipped = skipped };
    }

    /// <summary>
    /// Downloads every object under <paramref name="prefix"/> (a folder in the repository: "data" and "data/" are the
    /// same; null for all) on <paramref name="ref"/> into <paramref name="folder"/>, at its path after the prefix, with up
    /// to <see cref="DownloadOptions.MaxParallelism"/> objects at once. Creates the folder and the folders beneath it.
    /// </summary>
    /// <remarks>
    /// The ref is resolved once: a commit id, tag or expression such as <c>main~1</c> gives one commit throughout; a
    /// branch is read as it is when each object is read (download a commit for a fixed snapshot). The listing (path and size) is held in
    /// memory, a few hundred bytes an object, so that the totals are known from the start.
    /// <para>
    /// The folder must be empty or missing unless <see cref="DownloadOptions.Overwrite"/> is set. Each file is written
    /// under a temporary name (<c>.lakefs-download-*.tmp</c>) in its final folder, checked against the object's size and
    /// SHA-256 (unless <see cref="RepositoryOptions.VerifyContentChecksums"/> is off), and renamed into place, so a file at
    /// an object's path is complete. Nothing is written outside the folder: a path that cannot name a file beneath it
    /// fails, and so does a symbolic link among the folders beneath it. Objects whose path ends with '/' (folder
    /// markers) are skipped and counted in <see cref="TransferResult.Skipped"/>.
    /// </para>
    /// <para>
    /// When an object fails, no new one starts, those under way finish, and the call throws
    /// <see cref="TransferFailedException"/> naming it; files written before stay. Cancellation leaves the same state.
    /// </para>
    /// </remarks>
    /// <exception cref="RefNotFoundException">The ref does not resolve.</exception>
    /// <exception cref="FolderNotEmptyException">The folder holds something and <see cref="DownloadOptions.Overwrite"/> is off.</exception>
    /// <exception cref="InvalidPathException">The prefix cannot name a folder in the repository.</exception>
    /// <exception cref="TransferFailedException">An object failed: it cannot be a file beneath the folder, or reading or writing it failed.</exception>
    public async Task<TransferResult> DownloadAsync(
        string @ref, string? prefix, string folder, DownloadOptions? options = null,
        IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposedOrCanceled(cancellationToken);
        ArgumentNullException.ThrowIfNull(@ref);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var objectPrefix = FolderPrefix.Normalize(prefix);
        options ??= new DownloadOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxParallelism, 1, nameof(options.MaxParallelism));
        var resolved = await ResolveAsync(@ref, cancellationToken).ConfigureAwait(false);
        var source = resolved.Branch ?? resolved.CommitId;
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        var target = DownloadTarget.Prepare(root, options.Overwrite);

        var objects = new List<(string Path, long Size)>();
        long bytesTotal = 0;
        long skipped = 0;
        await foreach (var item in ListObjectsAsync(source, objectPrefix, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (item.Path.EndsWith('/'))
            {
                skipped++;
                continue;
            }
            objects.Add((item.Path, item.Object!.Size));
            bytesTotal += item.Object.Size;
        }
        var (done, bytes) = await TransferLoop.RunAsync(
            objects, bytesTotal, options.MaxParallelism, progress, _options.TimeProvider,
            async (item, ct) =>
            {
                var local = target.LocalPathOf(item.Path[objectPrefix.Length..]);
                var content = await OpenReadAsync(source, item.Path, null, ct).ConfigureAwait(false);
                await using (content.ConfigureAwait(false))
                {
                    return await target.WriteAsync(local, content, ct).ConfigureAwait(false);
                }
            },
            (item, completed, e) => new TransferFailedException(
                $"Downloading '{item.Path}' from '{@ref}' into '{root}' failed: {e.Message} " +
                $"The {completed} files downloaded before stay in the folder; no partial file is left at the object's path.",
                item.Path, LocalPathOrEmpty(target, item.Path[objectPrefix.Length..]), completed, e),
            cancellationToken).ConfigureAwait(false);
        return new TransferResult { Files = done, Bytes = bytes, Skipped = skipped };
    }

    private static string LocalPathOrEmpty(DownloadTarget target, string relativePath)
    {
        try
        {
            return target.LocalPathOf(relativePath);
        }
        catch (InvalidPathException)
        {
            return "";
        }
    }
}
