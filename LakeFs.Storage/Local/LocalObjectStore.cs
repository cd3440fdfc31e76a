using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Enumeration;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LakeFs.Storage.Local;

/// <summary>
/// An <see cref="IObjectStore"/> over a local folder: each key is a file under the root, '/' separating folders.
/// Writes are atomic, so readers see the old or the new object, never a part: on Linux (x64 and arm64) the bytes
/// go to an unnamed file in the key's folder (O_TMPFILE) that is linked to its name once complete; elsewhere, or
/// where the file system (or, before Linux 6.10, a missing /proc) rules that out, to a temporary file in the same
/// folder renamed into place. Keys never reach outside the root: the key rules forbid "..", absolute paths and
/// backslashes, and symbolic links inside the root are never followed (listings skip them, other operations refuse
/// them with <see cref="InvalidStorageKeyException"/>).
/// </summary>
/// <remarks>
/// <para>
/// On Linux (x64 and arm64) the store holds its root folder open and resolves every key beneath it at the moment of
/// use (<see cref="LocalRootFolder"/>: openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, or folder by folder with
/// O_NOFOLLOW before Linux 5.6), then creates, links, renames, reads, lists and removes relative to the folder it
/// opened, so a folder swapped for a symbolic link at any moment cannot send a read, write or delete outside the
/// root. On macOS and Windows (and Linux on other architectures) the store works by path: folders are checked for
/// links once and then remembered, so there a folder replaced by a link while a store is open is not detected.
/// </para>
/// <para>
/// A conditional put (<see cref="PutOptions.IfNoneMatch"/>) links without replacing, so of concurrent creates of
/// one key exactly one wins. A plain put onto a taken key links the finished file under a temporary name and
/// renames it over the old one. With <see cref="PutOptions.Durable"/> the file and then its folder are flushed.
/// An interrupted unnamed write leaves nothing behind; an interrupted named one leaves a temporary file, which is
/// never listed nor addressable by any key.
/// </para>
/// <para>
/// A file system cannot hold both an object "a" and an object "a/b": the second write fails with a
/// <see cref="StorageException"/>. Folders left empty by a delete are removed; a put whose folder a concurrent
/// delete removes meanwhile creates it again.
/// </para>
/// </remarks>
public sealed class LocalObjectStore : IObjectStore
{
    /// <summary>
    /// Start of every temporary file name. On Unix it holds a backslash, which no key segment can contain;
    /// Windows cannot name files so, and refuses key segments that start with its prefix instead.
    /// </summary>
    internal static readonly string TempPrefix = OperatingSystem.IsWindows() ? "~lakefs-tmp~" : "\\lakefs-tmp-";

    private static readonly string DirectorySeparator = Path.DirectorySeparatorChar.ToString();

    private const int CopyBufferSize = 64 * 1024;
    private const int MaxCachedFolders = 100_000;

    /// <summary>
    /// How often a put starts again in a folder a concurrent delete removed under it. Each new attempt follows a
    /// removal that was checked (the folder's link count is zero): another writer made progress. Under heavy churn
    /// (six writers putting and deleting in one folder, three such processes on two cores) a put lost 100 such races in
    /// a row, so past a few attempts it yields its time slice before the next one (<see cref="BackOff"/>).
    /// </summary>
    private const int MaxRemovedFolderAttempts = 10_000;

    /// <summary>Before attempt <paramref name="attempt"/> of a put that lost a race with a folder's removal: nothing at first, then a yield, then 1 ms sleeps.</summary>
    private static void BackOff(int attempt)
    {
        if (attempt > 100)
        {
            // Synchronous on purpose: the put's folder steps are blocking system calls on one folder handle.
#pragma warning disable RS0030
            Thread.Sleep(1);
#pragma warning restore RS0030
        }
        else if (attempt > 3)
        {
            Thread.Yield();
        }
    }

    private const int UnnamedFilesUnknown = 0;
    private const int UnnamedFilesOn = 1;
    private const int UnnamedFilesOff = 2;

    private static readonly EnumerationOptions ListingOptions = new()
    {
        AttributesToSkip = 0,
        IgnoreInaccessible = true,
        RecurseSubdirectories = false,
        ReturnSpecialDirectories = false,
    };

    private readonly string _rootWithSeparator;
    private readonly string _tempStem;
    private readonly ConcurrentDictionary<string, byte> _verifiedFolders = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte>.AlternateLookup<ReadOnlySpan<char>> _verifiedFolderLookup;
    private long _tempCounter;
    private volatile int _unnamedFiles;
    private bool _linksByDescriptor;
    private readonly bool _mayLinkByDescriptor;
    private readonly LocalRootFolder? _root;

    /// <summary>Opens the folder <paramref name="rootPath"/> as a store, creating it when missing.</summary>
    public LocalObjectStore(string rootPath)
        : this(rootPath, linuxCalls: true)
    {
    }

    /// <summary>
    /// Opens the store; tests turn <paramref name="linuxCalls"/> off to run the portable paths of macOS and Windows
    /// (by path, named temporary files for puts, .NET's file open for reads) on Linux too,
    /// <paramref name="linksByDescriptor"/> off to name unnamed files through /proc as kernels before 6.10 need, and
    /// <paramref name="newestCalls"/> off to run as on a kernel before 5.6 (no openat2) with a file system without
    /// unnamed files.
    /// </summary>
    internal LocalObjectStore(string rootPath, bool linuxCalls, bool linksByDescriptor = true, bool newestCalls = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootPath);
        RootPath = Path.TrimEndingDirectorySeparator(Path.GetFullPath(rootPath));
        Directory.CreateDirectory(RootPath);
        _rootWithSeparator = Path.EndsInDirectorySeparator(RootPath) ? RootPath : RootPath + Path.DirectorySeparatorChar;
        _tempStem = TempPrefix + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray(), 0, 8) + "-";
        _verifiedFolderLookup = _verifiedFolders.GetAlternateLookup<ReadOnlySpan<char>>();
        _root = linuxCalls ? LocalRootFolder.TryOpen(RootPath, useOpenat2: newestCalls) : null;
        _unnamedFiles = _root is not null && newestCalls ? UnnamedFilesUnknown : UnnamedFilesOff;
        _mayLinkByDescriptor = linksByDescriptor;
    }

    /// <summary>The full path of the store's root folder.</summary>
    public string RootPath { get; }

    /// <summary>Whether puts write unnamed files (known after the first put; false before it).</summary>
    internal bool WritesUnnamedFiles => _unnamedFiles == UnnamedFilesOn;

    /// <summary>Whether unnamed files are named by their descriptor rather than through /proc (known after the first put).</summary>
    internal bool LinksByDescriptor => WritesUnnamedFiles && _linksByDescriptor;

    /// <summary>Whether every path is resolved beneath the open root (Linux) rather than by path.</summary>
    internal bool ResolvesBeneathRoot => _root is not null;

    /// <summary>Whether lookups beneath the root use openat2 rather than a walk folder by folder.</summary>
    internal bool UsesOpenat2 => _root?.OpensBeneath == true;

    /// <inheritdoc/>
    public async Task<ObjectStat> PutAsync(string key, Stream content, PutOptions? options = null, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        ArgumentNullException.ThrowIfNull(content);
        cancellationToken.ThrowIfCancellationRequested();
        options ??= PutOptions.Default;
        return _root is not null
            ? await PutBeneathAsync(_root, key, content, options, cancellationToken).ConfigureAwait(false)
            : await PutByPathAsync(key, content, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Linux: opens the key's folder beneath the root (creating what is missing), writes an unnamed file (or a named
    /// temporary one) in it, and links (or renames) it into place, every step relative to that open folder.
    /// </summary>
    private async Task<ObjectStat> PutBeneathAsync(LocalRootFolder root, string key, Stream content, PutOptions options, CancellationToken cancellationToken)
    {
        int slash = key.LastIndexOf('/');
        string name = key[(slash + 1)..];
        int folder = -1;
        string? tempName = null;
        try
        {
            SafeFileHandle handle;
            (folder, handle, tempName) = CreateFileBeneath(root, key, slash);
            long size;
            DateTime lastWrite;
            using (handle)
            {
                size = await CopyToFileAsync(key, content, handle, cancellationToken).ConfigureAwait(false);
                if (options.Durable)
                {
                    RandomAccess.FlushToDisk(handle);
                }
                int fd = (int)handle.DangerousGetHandle();
                int errno = NativeMethods.StatAt(fd, string.Empty, out var facts);
                if (errno != 0)
                {
                    throw new StorageException($"Cannot write '{key}' under '{RootPath}': {NativeMethods.Describe(errno)}");
                }
                lastWrite = facts.LastWriteTimeUtc;
                if (tempName is null)
                {
                    LinkBeneath(root, key, slash, fd, ref folder, options.IfNoneMatch);
                }
            }
            if (tempName is not null)
            {
                MoveBeneath(key, folder, tempName, name, options.IfNoneMatch);
                tempName = null;
            }
            if (options.Durable && NativeMethods.Fsync(folder) != 0)
            {
                throw new StorageException($"Cannot flush the folder of '{key}' under '{RootPath}': {NativeMethods.Describe(Marshal.GetLastPInvokeError())}");
            }
            return new ObjectStat { Key = key, Size = size, LastModified = new DateTimeOffset(lastWrite, TimeSpan.Zero) };
        }
        catch when (tempName is not null)
        {
            _ = NativeMethods.UnlinkAt(folder, tempName, 0);
            throw;
        }
        finally
        {
            root.Release(folder);
        }
    }

    /// <summary>
    /// Opens the key's folder and a new file in it: unnamed (returned name <c>null</c>) or named with a temporary
    /// name. A create that fails because a concurrent delete removed the folder under it (which surfaces as ENOENT,
    /// or on ext4 as EPERM for an unnamed file) starts again with the folder created anew; any other failure, and a
    /// failure in a folder that is still there, is the put's error.
    /// </summary>
    private (int Folder, SafeFileHandle File, string? TempName) CreateFileBeneath(LocalRootFolder root, string key, int slash)
    {
        for (int attempt = 1; ; attempt++)
        {
            int folder = OpenFolderForPut(root, key, slash);
            int errno;
            if (_unnamedFiles != UnnamedFilesOff)
            {
                if (_unnamedFiles == UnnamedFilesUnknown)
                {
                    _unnamedFiles = ProbeUnnamedFiles(root) ? UnnamedFilesOn : UnnamedFilesOff;
                }
                if (_unnamedFiles == UnnamedFilesOn)
                {
                    int unnamed = NativeMethods.OpenUnnamedFile(folder);
                    if (unnamed >= 0)
                    {
                        return (folder, new SafeFileHandle(unnamed, ownsHandle: true), null);
                    }
                    errno = Marshal.GetLastPInvokeError();
                    if (errno is NativeMethods.EOPNOTSUPP or NativeMethods.EISDIR or NativeMethods.EINVAL)
                    {
                        // This file system refuses unnamed files after all: named ones from now on.
                        _unnamedFiles = UnnamedFilesOff;
                    }
                    else
                    {
                        ThrowUnlessFolderRemoved(root, key, folder, errno, attempt);
                        continue;
                    }
                }
            }
            string tempName = NextTempName();
            int fd = NativeMethods.OpenAt(
                folder,
                tempName,
                NativeMethods.OpenWriteOnly | NativeMethods.OpenCreate | NativeMethods.OpenExclusive | NativeMethods.OpenNoFollow | NativeMethods.OpenCloseOnExec,
                NativeMethods.NewFileMode);
            if (fd >= 0)
            {
                return (folder, new SafeFileHandle(fd, ownsHandle: true), tempName);
            }
            ThrowUnlessFolderRemoved(root, key, folder, Marshal.GetLastPInvokeError(), attempt);
        }
    }

    /// <summary>
    /// After a failed create or link in <paramref name="folder"/>: releases it and returns when a concurrent delete
    /// removed it (and attempts remain), so the caller opens it anew; throws the put's error otherwise.
    /// </summary>
    private void ThrowUnlessFolderRemoved(LocalRootFolder root, string key, int folder, int errno, int attempt)
    {
        bool removed = NativeMethods.IsRemoved(folder);
        root.Release(folder);
        if (!removed || attempt >= MaxRemovedFolderAttempts)
        {
            throw new StorageException($"Cannot write '{key}' under '{RootPath}': {NativeMethods.Describe(errno)}" +
                (removed ? $" (its folder was removed by concurrent deletes {attempt} times in a row)" : ""));
        }
        BackOff(attempt);
    }

    /// <summary>Opens the key's folder beneath the root, creating the missing folders on the way.</summary>
    private int OpenFolderForPut(LocalRootFolder root, string key, int slash)
    {
        string folderKey = slash < 0 ? string.Empty : key[..slash];
        for (int attempt = 1; ; attempt++)
        {
            int folder = root.OpenFolder(folderKey, create: true, out int errno);
            if (folder >= 0)
            {
                return folder;
            }
            switch (errno)
            {
                case NativeMethods.ENOENT when attempt < MaxRemovedFolderAttempts:
                    // A concurrent delete removed a folder on the way while this put was creating the next one.
                    continue;
                case NativeMethods.ELOOP or NativeMethods.EXDEV:
                    throw SymbolicLink(key);
                case NativeMethods.ENOTDIR:
                    throw new StorageException($"Cannot write '{key}': a folder on its path is an object, not a folder.");
                default:
                    throw new StorageException($"Cannot create the folder of '{key}' under '{RootPath}': {NativeMethods.Describe(errno)}");
            }
        }
    }

    /// <summary>
    /// Names a written unnamed file in the key's folder: a link that fails when the name is taken, so a conditional
    /// put needs nothing more; a plain put onto a taken name links a temporary name and renames it over. A folder a
    /// concurrent delete removed meanwhile (an unnamed file does not keep it from emptying) is created again and
    /// <paramref name="folder"/> replaced by it.
    /// </summary>
    private void LinkBeneath(LocalRootFolder root, string key, int slash, int fd, ref int folder, bool ifNoneMatch)
    {
        string name = key[(slash + 1)..];
        for (int attempt = 1; ; attempt++)
        {
            int errno = NativeMethods.LinkUnnamedFile(fd, folder, name, _linksByDescriptor);
            if (errno == 0)
            {
                return;
            }
            if (errno == NativeMethods.EEXIST)
            {
                if (ifNoneMatch)
                {
                    throw Exists(key, null);
                }
                string tempName = NextTempName();
                errno = NativeMethods.LinkUnnamedFile(fd, folder, tempName, _linksByDescriptor);
                if (errno == 0)
                {
                    try
                    {
                        MoveBeneath(key, folder, tempName, name, ifNoneMatch: false);
                    }
                    catch
                    {
                        _ = NativeMethods.UnlinkAt(folder, tempName, 0);
                        throw;
                    }
                    return;
                }
            }
            int removed = folder;
            folder = -1;
            ThrowUnlessFolderRemoved(root, key, removed, errno, attempt);
            folder = OpenFolderForPut(root, key, slash);
        }
    }

    /// <summary>
    /// Renames (or for a conditional put links, then unlinks) a named temporary file onto the key's name in the same
    /// open folder, which the temporary file keeps from being removed.
    /// </summary>
    private static void MoveBeneath(string key, int folder, string tempName, string name, bool ifNoneMatch)
    {
        if (!ifNoneMatch)
        {
            if (NativeMethods.RenameAt(folder, tempName, folder, name) != 0)
            {
                throw MoveFailed(key, Marshal.GetLastPInvokeError());
            }
            return;
        }
        if (NativeMethods.LinkAt(folder, tempName, folder, name, 0) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw errno == NativeMethods.EEXIST ? Exists(key, null) : MoveFailed(key, errno);
        }
        _ = NativeMethods.UnlinkAt(folder, tempName, 0);
    }

    private static StorageException MoveFailed(string key, int errno) =>
        new($"Cannot write '{key}': {(errno is NativeMethods.EISDIR or NativeMethods.ENOTEMPTY or NativeMethods.EEXIST ? "a folder has that name" : NativeMethods.Describe(errno))}");

    /// <summary>macOS, Windows and the portable test mode: a named temporary file by path, renamed into place.</summary>
    private async Task<ObjectStat> PutByPathAsync(string key, Stream content, PutOptions options, CancellationToken cancellationToken)
    {
        int slash = key.LastIndexOf('/');
        string finalPath = FullPath(key);
        string folderPath = finalPath[..(finalPath.Length - (key.Length - slash - 1) - 1)];
        for (int attempt = 1; ; attempt++)
        {
            EnsureFolder(key, slash, create: true);
            string tempPath = string.Concat(folderPath, DirectorySeparator, NextTempName());
            SafeFileHandle handle;
            try
            {
                handle = File.OpenHandle(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            }
            catch (IOException e) when (attempt < MaxRemovedFolderAttempts
                && (e is FileNotFoundException or DirectoryNotFoundException || !Directory.Exists(folderPath)))
            {
                // A concurrent delete removed the (cached) folder after it emptied it: check it again. A create of a
                // new name finds nothing (ENOENT) only when a folder on its path is missing, even if a concurrent put
                // has made the folder again by the time this looks.
                ForgetFolders(key, slash);
                continue;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new StorageException($"Cannot write '{key}' under '{RootPath}': {e.Message}", e);
            }

            try
            {
                long size;
                DateTime lastWrite;
                using (handle)
                {
                    size = await CopyToFileAsync(key, content, handle, cancellationToken).ConfigureAwait(false);
                    if (options.Durable)
                    {
                        RandomAccess.FlushToDisk(handle);
                    }
                    lastWrite = File.GetLastWriteTimeUtc(handle);
                }
                MoveIntoPlace(key, tempPath, finalPath, options.IfNoneMatch);
                if (options.Durable)
                {
                    try
                    {
                        NativeMethods.FsyncFolder(folderPath);
                    }
                    catch (IOException e)
                    {
                        throw new StorageException($"Cannot flush the folder of '{key}' under '{RootPath}': {e.Message}", e);
                    }
                }
                return new ObjectStat { Key = key, Size = size, LastModified = new DateTimeOffset(lastWrite, TimeSpan.Zero) };
            }
            catch
            {
                TryDeleteFile(tempPath);
                throw;
            }
        }
    }

    /// <inheritdoc/>
    public Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult(OpenRead(key, range));
        }
        catch (OperationCanceledException)
        {
            return Task.FromCanceled<Stream>(cancellationToken);
        }
        catch (Exception e)
        {
            return Task.FromException<Stream>(e);
        }
    }

    /// <inheritdoc/>
    public Task<ObjectStat?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult(Stat(key));
        }
        catch (OperationCanceledException)
        {
            return Task.FromCanceled<ObjectStat?>(cancellationToken);
        }
        catch (Exception e)
        {
            return Task.FromException<ObjectStat?>(e);
        }
    }

    /// <inheritdoc/>
    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult(Delete(key));
        }
        catch (OperationCanceledException)
        {
            return Task.FromCanceled<bool>(cancellationToken);
        }
        catch (Exception e)
        {
            return Task.FromException<bool>(e);
        }
    }

    /// <inheritdoc/>
    /// <remarks>Reads one folder at a time, depth first, each folder's children sorted as keys sort.</remarks>
    public IAsyncEnumerable<ObjectStat> ListAsync(string prefix, string? startAfter = null, CancellationToken cancellationToken = default)
    {
        StorageKeys.ValidatePrefix(prefix);
        return ListCoreAsync(prefix, startAfter, null, cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>Linux: a file's size and time are read only when the filter accepts its key.</remarks>
    public IAsyncEnumerable<ObjectStat> ListWhereAsync(string prefix, Func<string, bool> include, string? startAfter = null, CancellationToken cancellationToken = default)
    {
        StorageKeys.ValidatePrefix(prefix);
        ArgumentNullException.ThrowIfNull(include);
        return ListCoreAsync(prefix, startAfter, include, cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>Linux: each folder is opened once for all its keys, and folders left empty are removed once per folder.</remarks>
    public Task DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(keys);
            foreach (var key in keys)
            {
                ValidateKey(key);
            }
            if (_root is null)
            {
                foreach (var key in keys)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    Delete(key);
                }
                return Task.CompletedTask;
            }
            foreach (var folder in keys.GroupBy(key => key[..(key.LastIndexOf('/') + 1)], StringComparer.Ordinal))
            {
                cancellationToken.ThrowIfCancellationRequested();
                DeleteManyBeneath(_root, [.. folder]);
            }
            return Task.CompletedTask;
        }
        catch (OperationCanceledException)
        {
            return Task.FromCanceled(cancellationToken);
        }
        catch (Exception e)
        {
            return Task.FromException(e);
        }
    }

    /// <inheritdoc/>
    /// <remarks>Reads the prefix's folder alone. A folder something other than this store emptied is listed too.</remarks>
    public IAsyncEnumerable<string> ListFoldersAsync(string prefix, CancellationToken cancellationToken = default)
    {
        StorageKeys.ValidateFolderPrefix(prefix);
        return ListFoldersCoreAsync(prefix, cancellationToken);
    }

    private async IAsyncEnumerable<string> ListFoldersCoreAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        LocalListingEntry[] entries;
        try
        {
            if (_root is null && !EnsureFolder(prefix, prefix.Length - 1, create: false))
            {
                yield break;
            }
            using var frame = ReadFolder(prefix, string.Empty, foldersOnly: true);
            entries = frame.Entries;
        }
        catch (StorageException) when (prefix.Length > 0)
        {
            // The prefix's folder is a symbolic link or a file: nothing under it is an object.
            yield break;
        }
        foreach (var entry in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string folder = string.Concat(prefix, entry.Name, "/");
            if (entry.IsFolder && StorageKeys.IsValid(folder + "x"))
            {
                yield return folder;
            }
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    private async IAsyncEnumerable<ObjectStat> ListCoreAsync(string prefix, string? startAfter, Func<string, bool>? include, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var stat in List(prefix, startAfter, include, cancellationToken))
        {
            yield return stat;
        }
    }

    private IEnumerable<ObjectStat> List(string prefix, string? startAfter, Func<string, bool>? include, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        int slash = prefix.LastIndexOf('/');
        try
        {
            if (_root is null && !EnsureFolder(prefix, slash, create: false))
            {
                yield break;
            }
        }
        catch (StorageException)
        {
            // The prefix's folder is a symbolic link or a file: nothing under it is an object.
            yield break;
        }

        var stack = new Stack<LocalListingFrame>();
        try
        {
            string top = prefix[..(slash + 1)];
            stack.Push(ReadFolder(top, prefix[(slash + 1)..]));
            while (stack.TryPeek(out var frame))
            {
                if (frame.Next == frame.Entries.Length)
                {
                    stack.Pop().Dispose();
                    continue;
                }
                cancellationToken.ThrowIfCancellationRequested();
                var entry = frame.Entries[frame.Next++];
                if (entry.IsFolder)
                {
                    string folderKey = string.Concat(frame.KeyPrefix, entry.Name, "/");
                    bool allBefore = startAfter is not null
                        && StorageKeys.Compare(folderKey, startAfter) <= 0
                        && !startAfter.StartsWith(folderKey, StringComparison.Ordinal);
                    if (!allBefore)
                    {
                        stack.Push(ReadFolder(folderKey, string.Empty));
                    }
                    continue;
                }
                string key = frame.KeyPrefix + entry.Name;
                if ((startAfter is not null && StorageKeys.Compare(key, startAfter) <= 0)
                    || !StorageKeys.IsValid(key)
                    || (include is not null && !include(key))
                    || !frame.TryGetFacts(entry, out long size, out var lastWrite))
                {
                    continue;
                }
                yield return new ObjectStat
                {
                    Key = key,
                    Size = size,
                    LastModified = new DateTimeOffset(lastWrite, TimeSpan.Zero),
                };
            }
        }
        finally
        {
            while (stack.TryPop(out var frame))
            {
                frame.Dispose();
            }
        }
    }

    private LocalListingFrame ReadFolder(string keyPrefix, string namePrefix, bool foldersOnly = false)
    {
        var frame = _root is not null ? ReadFolderBeneath(_root, keyPrefix, namePrefix, foldersOnly) : ReadFolderByPath(keyPrefix, namePrefix, foldersOnly);
        Array.Sort(frame.Entries, static (a, b) => StorageKeys.Compare(a.SortName, b.SortName));
        return frame;
    }

    /// <summary>
    /// Linux: reads the folder through a descriptor opened beneath the root, and what each child is relative to it
    /// (never following a link). A folder that is missing, a file, a link or unreadable lists nothing, as do links in it.
    /// </summary>
    private unsafe LocalListingFrame ReadFolderBeneath(LocalRootFolder root, string keyPrefix, string namePrefix, bool foldersOnly)
    {
        const int NameOffset = 19, TypeOffset = 18;
        int fd = root.OpenFolder(keyPrefix.Length == 0 ? string.Empty : keyPrefix[..^1], create: false, out _, fresh: true);
        if (fd < 0)
        {
            return new LocalListingFrame(keyPrefix, []);
        }
        nint folder = NativeMethods.FdOpenDir(fd);
        if (folder == 0)
        {
            _ = NativeMethods.Close(fd);
            return new LocalListingFrame(keyPrefix, []);
        }
        var entries = new List<LocalListingEntry>();
        bool keepOpen = false;
        try
        {
            nint entry;
            while ((entry = NativeMethods.ReadDir(folder)) != 0)
            {
                var utf8 = MemoryMarshal.CreateReadOnlySpanFromNullTerminated((byte*)entry + NameOffset);
                if (utf8 is [(byte)'.'] or [(byte)'.', (byte)'.'] || !System.Text.Unicode.Utf8.IsValid(utf8))
                {
                    continue;
                }
                string name = System.Text.Encoding.UTF8.GetString(utf8);
                if (!name.StartsWith(namePrefix, StringComparison.Ordinal) || !IsListableName(name))
                {
                    continue;
                }
                var kind = (NativeMethods.FileKind)((byte*)entry)[TypeOffset];
                if (foldersOnly && kind == NativeMethods.FileKind.Regular)
                {
                    continue;
                }
                if (kind == NativeMethods.FileKind.Regular)
                {
                    // Its size and time are read when the listing reaches it, and only if its key is wanted.
                    entries.Add(new LocalListingEntry(name, false, 0, default, NeedsStat: true));
                    continue;
                }
                if (kind == NativeMethods.FileKind.Unknown)
                {
                    if (NativeMethods.StatAt(fd, name, out var facts) != 0)
                    {
                        continue;
                    }
                    kind = facts.Kind;
                    if (kind == NativeMethods.FileKind.Regular)
                    {
                        entries.Add(new LocalListingEntry(name, false, facts.Size, facts.LastWriteTimeUtc));
                        continue;
                    }
                }
                if (kind == NativeMethods.FileKind.Folder)
                {
                    entries.Add(new LocalListingEntry(name, true, 0, default));
                }
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno == NativeMethods.ENOENT)
            {
                // Removed by a concurrent delete after it emptied it.
                return new LocalListingFrame(keyPrefix, []);
            }
            if (errno != 0)
            {
                throw new StorageException($"Cannot list '{keyPrefix}' under '{RootPath}': {NativeMethods.Describe(errno)}.");
            }
            keepOpen = !foldersOnly;
            return new LocalListingFrame(keyPrefix, [.. entries], keepOpen ? folder : 0);
        }
        finally
        {
            if (!keepOpen)
            {
                _ = NativeMethods.CloseDir(folder);
            }
        }
    }

    private LocalListingFrame ReadFolderByPath(string keyPrefix, string namePrefix, bool foldersOnly)
    {
        string path = keyPrefix.Length == 0 ? RootPath : FullPath(keyPrefix[..^1]);
        try
        {
            // The enumerable opens the folder as it is built, so a folder gone meanwhile throws here already.
            var children = new FileSystemEnumerable<LocalListingEntry>(
                path,
                static (ref FileSystemEntry entry) => entry.IsDirectory
                    ? new LocalListingEntry(entry.FileName.ToString(), true, 0, default)
                    : new LocalListingEntry(entry.FileName.ToString(), false, entry.Length, entry.LastWriteTimeUtc.UtcDateTime),
                ListingOptions)
            {
                ShouldIncludePredicate = (ref FileSystemEntry entry) =>
                    (entry.Attributes & FileAttributes.ReparsePoint) == 0
                    && (!foldersOnly || entry.IsDirectory)
                    && entry.FileName.StartsWith(namePrefix, StringComparison.Ordinal)
                    && IsListableName(entry.FileName),
            };
            return new LocalListingFrame(keyPrefix, [.. children]);
        }
        catch (DirectoryNotFoundException)
        {
            // Removed by a concurrent delete after it emptied it.
            return new LocalListingFrame(keyPrefix, []);
        }
    }

    private Stream OpenRead(string key, ByteRange? range)
    {
        ValidateKey(key);
        return _root is not null ? OpenBeneath(_root, key, range) : LocalReadStream.Open(OpenPortable(key), range);
    }

    /// <summary>
    /// Linux: opens the key's file beneath the root in one lookup and one statx; a symbolic link anywhere on the way
    /// is refused like anywhere else, a folder or special file in its place is not an object.
    /// </summary>
    private LocalReadStream OpenBeneath(LocalRootFolder root, string key, ByteRange? range)
    {
        int fd = root.OpenFile(key, out long size, out int errno);
        return fd >= 0 ? LocalReadStream.Open(new SafeFileHandle(fd, ownsHandle: true), size, range) : errno switch
        {
            NativeMethods.ENOENT or NativeMethods.ENOTDIR or NativeMethods.EISDIR => throw NotFound(key),
            NativeMethods.ELOOP or NativeMethods.EXDEV => throw SymbolicLink(key),
            _ => throw new StorageException($"Cannot read '{key}' under '{RootPath}': {NativeMethods.Describe(errno)}."),
        };
    }

    /// <summary>
    /// Linux: opens the key's folder beneath the root and says what the key's name is in it (not following a link),
    /// or returns -1 when the folder is missing. Throws for a link on the way.
    /// </summary>
    private int OpenFolderOf(LocalRootFolder root, string key, int slash, string operation, out NativeMethods.FileFacts facts, out int errno)
    {
        facts = default;
        int folder = root.OpenFolder(slash < 0 ? string.Empty : key[..slash], create: false, out errno);
        if (folder < 0)
        {
            return errno switch
            {
                NativeMethods.ENOENT or NativeMethods.ENOTDIR => -1,
                NativeMethods.ELOOP or NativeMethods.EXDEV => throw SymbolicLink(key),
                _ => throw new StorageException($"Cannot {operation} '{key}' under '{RootPath}': {NativeMethods.Describe(errno)}."),
            };
        }
        errno = NativeMethods.StatAt(folder, key[(slash + 1)..], out facts);
        if (errno is not (0 or NativeMethods.ENOENT or NativeMethods.ENOTDIR))
        {
            root.Release(folder);
            throw new StorageException($"Cannot {operation} '{key}' under '{RootPath}': {NativeMethods.Describe(errno)}.");
        }
        if (facts.Kind == NativeMethods.FileKind.SymbolicLink)
        {
            root.Release(folder);
            throw SymbolicLink(key);
        }
        return folder;
    }

    private SafeFileHandle OpenPortable(string key)
    {
        string path = ExistingFile(key) ?? throw NotFound(key);
        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw NotFound(key, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageException($"Cannot read '{key}' under '{RootPath}': {e.Message}", e);
        }
    }

    private ObjectStat? Stat(string key)
    {
        ValidateKey(key);
        if (_root is not null)
        {
            int folder = OpenFolderOf(_root, key, key.LastIndexOf('/'), "stat", out var facts, out int errno);
            _root.Release(folder);
            return folder >= 0 && errno == 0 && facts.Kind == NativeMethods.FileKind.Regular
                ? new ObjectStat
                {
                    Key = key,
                    Size = facts.Size,
                    LastModified = new DateTimeOffset(facts.LastWriteTimeUtc, TimeSpan.Zero),
                }
                : null;
        }
        if (!EnsureFolder(key, key.LastIndexOf('/'), create: false))
        {
            return null;
        }
        var info = new FileInfo(FullPath(key));
        return Kind(key, info) == EntryKind.File
            ? new ObjectStat
            {
                Key = key,
                Size = info.Length,
                LastModified = new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero),
            }
            : null;
    }

    private bool Delete(string key)
    {
        ValidateKey(key);
        return _root is not null ? DeleteBeneath(_root, key) : DeleteByPath(key);
    }

    /// <summary>
    /// Linux: unlinks the files of keys in one folder, the folder opened once beneath the root, then removes folders left
    /// empty. Returns how many objects were deleted (a key with no regular file is skipped).
    /// </summary>
    private int DeleteManyBeneath(LocalRootFolder root, string[] keys)
    {
        int slash = keys[0].LastIndexOf('/');
        int folder = OpenFolderOf(root, keys[0], slash, "delete", out var facts, out int errno);
        if (folder < 0)
        {
            return 0;
        }
        int deleted = 0;
        try
        {
            for (int i = 0; i < keys.Length; i++)
            {
                string name = keys[i][(slash + 1)..];
                if (i > 0)
                {
                    errno = NativeMethods.StatAt(folder, name, out facts) == 0 ? 0 : Marshal.GetLastPInvokeError();
                }
                if (errno != 0 || facts.Kind != NativeMethods.FileKind.Regular)
                {
                    continue;
                }
                if (NativeMethods.UnlinkAt(folder, name, 0) != 0)
                {
                    errno = Marshal.GetLastPInvokeError();
                    // Gone meanwhile, or replaced by a folder: either way no object to delete.
                    if (errno is not (NativeMethods.ENOENT or NativeMethods.EISDIR))
                    {
                        throw new StorageException($"Cannot delete '{keys[i]}' under '{RootPath}': {NativeMethods.Describe(errno)}");
                    }
                    continue;
                }
                deleted++;
            }
        }
        finally
        {
            root.Release(folder);
        }
        if (deleted > 0)
        {
            RemoveEmptyFoldersBeneath(root, keys[0], slash);
        }
        return deleted;
    }

    /// <summary>Linux: unlinks the key's file in its folder opened beneath the root, then removes folders left empty.</summary>
    private bool DeleteBeneath(LocalRootFolder root, string key) => DeleteManyBeneath(root, [key]) == 1;

    /// <summary>Removes the key's folder and those above it while they are empty.</summary>
    private static void RemoveEmptyFoldersBeneath(LocalRootFolder root, string key, int slash)
    {
        // Each folder is opened anew from the root: a folder's parent is looked up beneath the root like any other.
        while (slash > 0)
        {
            int up = key.LastIndexOf('/', slash - 1);
            int parent = root.OpenFolder(up < 0 ? string.Empty : key[..up], create: false, out _);
            if (parent < 0)
            {
                break;
            }
            int removed = NativeMethods.UnlinkAt(parent, key[(up + 1)..slash], NativeMethods.AtRemoveFolder);
            root.Release(parent);
            if (removed != 0)
            {
                // Not empty (or already gone): the folders above are not empty either.
                break;
            }
            slash = up;
        }
    }

    private bool DeleteByPath(string key)
    {
        int slash = key.LastIndexOf('/');
        if (!EnsureFolder(key, slash, create: false))
        {
            return false;
        }
        string path = FullPath(key);
        if (Kind(key, new FileInfo(path)) != EntryKind.File)
        {
            return false;
        }
        try
        {
            if (NativeMethods.IsSupported)
            {
                if (NativeMethods.Unlink(path) != 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == NativeMethods.ENOENT)
                    {
                        return false;
                    }
                    throw new IOException($"unlink failed (errno {errno})");
                }
            }
            else
            {
                File.Delete(path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageException($"Cannot delete '{key}' under '{RootPath}': {e.Message}", e);
        }
        RemoveEmptyFolders(key, slash);
        return true;
    }

    private void RemoveEmptyFolders(string key, int slash)
    {
        while (slash > 0)
        {
            string folder = key[..slash];
            try
            {
                Directory.Delete(FullPath(folder), recursive: false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not empty (or already gone): the folders above are not empty either.
                return;
            }
            _verifiedFolders.TryRemove(folder, out _);
            slash = key.LastIndexOf('/', slash - 1);
        }
    }

    /// <summary>The full path of the key's file when it is a regular file reached without any symbolic link.</summary>
    private string? ExistingFile(string key)
    {
        ValidateKey(key);
        if (!EnsureFolder(key, key.LastIndexOf('/'), create: false))
        {
            return null;
        }
        string path = FullPath(key);
        return Kind(key, new FileInfo(path)) == EntryKind.File ? path : null;
    }

    /// <summary>
    /// Checks that the folder holding the key (its first <paramref name="slash"/> characters) is a real folder
    /// under the root, reached without symbolic links; creates missing folders when <paramref name="create"/>.
    /// Verified folders are remembered so that the hot path costs one dictionary lookup.
    /// </summary>
    /// <returns><c>false</c> when a folder is missing (or is a file) and <paramref name="create"/> is not set.</returns>
    private bool EnsureFolder(string key, int slash, bool create)
    {
        if (slash <= 0 || _verifiedFolderLookup.ContainsKey(key.AsSpan(0, slash)))
        {
            return true;
        }
        int end = -1;
        do
        {
            end = key.IndexOf('/', end + 1);
            if (end < 0 || end > slash)
            {
                end = slash;
            }
            if (_verifiedFolderLookup.ContainsKey(key.AsSpan(0, end)))
            {
                continue;
            }
            string folder = key[..end];
            string path = FullPath(folder);
            switch (Kind(key, new FileInfo(path)))
            {
                case EntryKind.Missing when create:
                    CreateFolder(key, folder, path);
                    break;
                case EntryKind.Missing:
                    return false;
                case EntryKind.File when create:
                    throw new StorageException($"Cannot write '{key}': '{folder}' is an object, not a folder.");
                case EntryKind.File:
                    return false;
            }
            if (_verifiedFolders.Count >= MaxCachedFolders)
            {
                _verifiedFolders.Clear();
            }
            _verifiedFolders.TryAdd(folder, 0);
        }
        while (end < slash);
        return true;
    }

    private void CreateFolder(string key, string folder, string path)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                Directory.CreateDirectory(path);
                return;
            }
            catch (IOException) when (attempt < MaxRemovedFolderAttempts && !File.Exists(path))
            {
                // A concurrent delete removed the folder (or one above it) between the steps of this create, which
                // then finds "a file exists" where nothing is, or a parent missing: create it again.
                BackOff(attempt);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new StorageException($"Cannot create folder '{folder}' for '{key}' under '{RootPath}': {e.Message}", e);
            }
        }
    }

    private void ForgetFolders(string key, int slash)
    {
        for (; slash > 0; slash = key.LastIndexOf('/', slash - 1))
        {
            _verifiedFolderLookup.TryRemove(key.AsSpan(0, slash), out _, out _);
        }
    }

    /// <summary>Classifies a path without following a final symbolic link; a link is refused as an escape.</summary>
    private static EntryKind Kind(string key, FileInfo info)
    {
        var attributes = info.Attributes;
        if ((int)attributes == -1)
        {
            return EntryKind.Missing;
        }
        if ((attributes & FileAttributes.ReparsePoint) != 0)
        {
            throw SymbolicLink(key);
        }
        return (attributes & FileAttributes.Directory) != 0 ? EntryKind.Folder : EntryKind.File;
    }

    private static async ValueTask<long> CopyToFileAsync(string key, Stream content, SafeFileHandle handle, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            long offset = 0;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return offset;
                }
                try
                {
                    // Writes land in the page cache; an async write would only add a thread-pool hop.
                    RandomAccess.Write(handle, buffer.AsSpan(0, read), offset);
                }
                catch (IOException e)
                {
                    throw new StorageException($"Cannot write '{key}': {e.Message}", e);
                }
                offset += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Whether an unnamed file can be opened in the root and named, by its descriptor or else through
    /// /proc/self/fd: O_TMPFILE needs Linux 3.11 and a file system that supports it, a name by descriptor Linux
    /// 6.10 (or CAP_DAC_READ_SEARCH), a name through /proc a mounted /proc. The root exists, so a refused link here
    /// is never a missing folder, which the same errno (ENOENT) means on later links.
    /// </summary>
    private bool ProbeUnnamedFiles(LocalRootFolder root)
    {
        if (!NativeMethods.UnnamedFilesSupported)
        {
            return false;
        }
        _linksByDescriptor = _mayLinkByDescriptor && CanLinkUnnamedFile(root, byDescriptor: true);
        return _linksByDescriptor || CanLinkUnnamedFile(root, byDescriptor: false);
    }

    private bool CanLinkUnnamedFile(LocalRootFolder root, bool byDescriptor)
    {
        int fd = NativeMethods.OpenUnnamedFile(root.Fd);
        if (fd < 0)
        {
            return false;
        }
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        string probeName = NextTempName();
        if (NativeMethods.LinkUnnamedFile(fd, root.Fd, probeName, byDescriptor) != 0)
        {
            return false;
        }
        _ = NativeMethods.UnlinkAt(root.Fd, probeName, 0);
        return true;
    }

    private static void MoveIntoPlace(string key, string tempPath, string finalPath, bool ifNoneMatch)
    {
        try
        {
            if (!ifNoneMatch)
            {
                File.Move(tempPath, finalPath, overwrite: true);
                return;
            }
            if (NativeMethods.IsSupported)
            {
                // link() fails atomically when the name is taken; File.Move(overwrite: false) checks, then renames.
                if (NativeMethods.Link(tempPath, finalPath) == 0)
                {
                    File.Delete(tempPath);
                    return;
                }
                if (Marshal.GetLastPInvokeError() == NativeMethods.EEXIST)
                {
                    throw Exists(key, null);
                }
            }
            File.Move(tempPath, finalPath, overwrite: false);
        }
        catch (IOException e) when (ifNoneMatch && Path.Exists(finalPath))
        {
            throw Exists(key, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string reason = Directory.Exists(finalPath) ? "a folder has that name" : e.Message;
            throw new StorageException($"Cannot write '{key}': {reason}", e);
        }
    }

    private static StorageKeyExistsException Exists(string key, Exception? inner) =>
        new($"An object with key '{key}' already exists.", inner);

    private static InvalidStorageKeyException SymbolicLink(string key) =>
        StorageKeys.Invalid(key, "it passes through a symbolic link, which the local store never follows");

    private static StorageKeyNotFoundException NotFound(string key, Exception? inner = null) =>
        new($"No object has key '{key}'.", inner);

    private static void TryDeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover temporary file is never listed nor addressable.
        }
    }

    private static void ValidateKey(string key)
    {
        StorageKeys.Validate(key);
        if (OperatingSystem.IsWindows() && (key.StartsWith(TempPrefix, StringComparison.Ordinal) || key.Contains("/" + TempPrefix, StringComparison.Ordinal)))
        {
            throw StorageKeys.Invalid(key, $"the local store reserves names starting with '{TempPrefix}'");
        }
    }

    private static bool IsListableName(ReadOnlySpan<char> name) =>
        name.IndexOfAny('\\', '\0') < 0 && !name.StartsWith(TempPrefix, StringComparison.Ordinal);

    private string NextTempName() =>
        _tempStem + Interlocked.Increment(ref _tempCounter).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private string FullPath(string relative) =>
        _rootWithSeparator + (OperatingSystem.IsWindows() ? relative.Replace('/', '\\') : relative);
}
