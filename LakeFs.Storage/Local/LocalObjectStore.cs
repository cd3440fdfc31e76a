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
/// A conditional put (<see cref="PutOptions.IfNoneMatch"/>) links without replacing, so of concurrent creates of
/// one key exactly one wins. A plain put onto a taken key links the finished file under a temporary name and
/// renames it over the old one. With <see cref="PutOptions.Durable"/> the file and then its folder are flushed.
/// An interrupted unnamed write leaves nothing behind; an interrupted named one leaves a temporary file, which is
/// never listed nor addressable by any key.
/// </para>
/// <para>
/// A file system cannot hold both an object "a" and an object "a/b": the second write fails with a
/// <see cref="StorageException"/>. Folders left empty by a delete are removed. Folders are checked for links once
/// and then remembered, so replacing a folder inside the root with a link while a store is open is not detected.
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
    private const int MaxPutAttempts = 4;

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
    private volatile bool _opensNatively;

    /// <summary>Opens the folder <paramref name="rootPath"/> as a store, creating it when missing.</summary>
    public LocalObjectStore(string rootPath)
        : this(rootPath, linuxCalls: true)
    {
    }

    /// <summary>
    /// Opens the store; tests turn <paramref name="linuxCalls"/> off to run the portable paths (named temporary
    /// files for puts, .NET's file open for reads) on Linux too, and <paramref name="linksByDescriptor"/> off to
    /// name unnamed files through /proc as kernels before 6.10 need.
    /// </summary>
    internal LocalObjectStore(string rootPath, bool linuxCalls, bool linksByDescriptor = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootPath);
        RootPath = Path.TrimEndingDirectorySeparator(Path.GetFullPath(rootPath));
        Directory.CreateDirectory(RootPath);
        _rootWithSeparator = Path.EndsInDirectorySeparator(RootPath) ? RootPath : RootPath + Path.DirectorySeparatorChar;
        _tempStem = TempPrefix + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray(), 0, 8) + "-";
        _verifiedFolderLookup = _verifiedFolders.GetAlternateLookup<ReadOnlySpan<char>>();
        _unnamedFiles = linuxCalls ? UnnamedFilesUnknown : UnnamedFilesOff;
        _mayLinkByDescriptor = linksByDescriptor;
        _opensNatively = linuxCalls && NativeMethods.OpenRegularFileSupported;
    }

    /// <summary>The full path of the store's root folder.</summary>
    public string RootPath { get; }

    /// <summary>Whether puts write unnamed files (known after the first put; false before it).</summary>
    internal bool WritesUnnamedFiles => _unnamedFiles == UnnamedFilesOn;

    /// <summary>Whether unnamed files are named by their descriptor rather than through /proc (known after the first put).</summary>
    internal bool LinksByDescriptor => WritesUnnamedFiles && _linksByDescriptor;

    /// <inheritdoc/>
    public async Task<ObjectStat> PutAsync(string key, Stream content, PutOptions? options = null, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        ArgumentNullException.ThrowIfNull(content);
        cancellationToken.ThrowIfCancellationRequested();
        options ??= PutOptions.Default;

        int slash = key.LastIndexOf('/');
        string finalPath = FullPath(key);
        string folderPath = finalPath[..(finalPath.Length - (key.Length - slash - 1) - 1)];
        for (int attempt = 1; ; attempt++)
        {
            EnsureFolder(key, slash, create: true);
            string? tempPath = null;
            SafeFileHandle handle;
            try
            {
                handle = OpenUnnamedFile(folderPath)
                    ?? File.OpenHandle(tempPath = string.Concat(folderPath, DirectorySeparator, NextTempName()), FileMode.CreateNew, FileAccess.Write, FileShare.None);
            }
            catch (DirectoryNotFoundException) when (attempt < MaxPutAttempts)
            {
                // A concurrent delete removed the (cached) folder after it emptied it: check it again.
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
                    if (tempPath is null)
                    {
                        LinkIntoPlace(key, slash, handle, finalPath, options.IfNoneMatch);
                    }
                }
                if (tempPath is not null)
                {
                    MoveIntoPlace(key, tempPath, finalPath, options.IfNoneMatch);
                }
                if (options.Durable)
                {
                    NativeMethods.FsyncFolder(folderPath);
                }
                return new ObjectStat(key, size, new DateTimeOffset(lastWrite, TimeSpan.Zero));
            }
            catch when (tempPath is not null)
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
        return ListCoreAsync(prefix, startAfter, cancellationToken);
    }

    private async IAsyncEnumerable<ObjectStat> ListCoreAsync(string prefix, string? startAfter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var stat in List(prefix, startAfter, cancellationToken))
        {
            yield return stat;
        }
    }

    private IEnumerable<ObjectStat> List(string prefix, string? startAfter, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        int slash = prefix.LastIndexOf('/');
        try
        {
            if (!EnsureFolder(prefix, slash, create: false))
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
        string top = prefix[..(slash + 1)];
        stack.Push(new LocalListingFrame(top, ReadFolder(top, prefix[(slash + 1)..])));
        while (stack.TryPeek(out var frame))
        {
            if (frame.Next == frame.Entries.Length)
            {
                stack.Pop();
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
                    stack.Push(new LocalListingFrame(folderKey, ReadFolder(folderKey, string.Empty)));
                }
                continue;
            }
            string key = frame.KeyPrefix + entry.Name;
            if (startAfter is not null && StorageKeys.Compare(key, startAfter) <= 0)
            {
                continue;
            }
            if (StorageKeys.IsValid(key))
            {
                yield return new ObjectStat(key, entry.Length, new DateTimeOffset(entry.LastWriteTimeUtc, TimeSpan.Zero));
            }
        }
    }

    private LocalListingEntry[] ReadFolder(string keyPrefix, string namePrefix)
    {
        string path = keyPrefix.Length == 0 ? RootPath : FullPath(keyPrefix[..^1]);
        var children = new FileSystemEnumerable<LocalListingEntry>(
            path,
            static (ref FileSystemEntry entry) => entry.IsDirectory
                ? new LocalListingEntry(entry.FileName.ToString(), true, 0, default)
                : new LocalListingEntry(entry.FileName.ToString(), false, entry.Length, entry.LastWriteTimeUtc.UtcDateTime),
            ListingOptions)
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) =>
                (entry.Attributes & FileAttributes.ReparsePoint) == 0
                && entry.FileName.StartsWith(namePrefix, StringComparison.Ordinal)
                && IsListableName(entry.FileName),
        };
        LocalListingEntry[] entries;
        try
        {
            entries = [.. children];
        }
        catch (DirectoryNotFoundException)
        {
            // Removed by a concurrent delete after it emptied it.
            return [];
        }
        Array.Sort(entries, static (a, b) => StorageKeys.Compare(a.SortName, b.SortName));
        return entries;
    }

    private Stream OpenRead(string key, ByteRange? range) =>
        _opensNatively ? OpenNative(key, range) : LocalReadStream.Open(OpenPortable(key), range);

    /// <summary>Opens the key's file with two system calls; a symbolic link in its place is refused like anywhere else.</summary>
    private LocalReadStream OpenNative(string key, ByteRange? range)
    {
        ValidateKey(key);
        if (!EnsureFolder(key, key.LastIndexOf('/'), create: false))
        {
            throw NotFound(key);
        }
        int fd = NativeMethods.OpenRegularFile(FullPath(key), out long size, out int errno);
        if (errno == NativeMethods.ENOSYS)
        {
            // A kernel or sandbox without statx: .NET's open from now on.
            _opensNatively = false;
            return LocalReadStream.Open(OpenPortable(key), range);
        }
        return fd >= 0 ? LocalReadStream.Open(new SafeFileHandle(fd, ownsHandle: true), size, range) : errno switch
        {
            NativeMethods.ENOENT or NativeMethods.ENOTDIR or NativeMethods.EISDIR => throw NotFound(key),
            NativeMethods.ELOOP => throw SymbolicLink(key),
            _ => throw new StorageException($"Cannot read '{key}' under '{RootPath}': {Marshal.GetPInvokeErrorMessage(errno)}."),
        };
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
        if (!EnsureFolder(key, key.LastIndexOf('/'), create: false))
        {
            return null;
        }
        var info = new FileInfo(FullPath(key));
        return Kind(key, info) == EntryKind.File
            ? new ObjectStat(key, info.Length, new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero))
            : null;
    }

    private bool Delete(string key)
    {
        ValidateKey(key);
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
            catch (IOException) when (attempt < MaxPutAttempts && !File.Exists(path))
            {
                // A concurrent delete removed the folder (or one above it) between the steps of this create, which
                // then finds "a file exists" where nothing is: create it again.
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
    /// Opens an unnamed file in the folder (Linux O_TMPFILE), or returns <c>null</c> when this store writes named
    /// temporary files instead. The first call checks that unnamed files can be opened and named under the root;
    /// a file system that refuses them later switches the store to named files for good.
    /// </summary>
    private SafeFileHandle? OpenUnnamedFile(string folderPath)
    {
        if (_unnamedFiles == UnnamedFilesUnknown)
        {
            _unnamedFiles = ProbeUnnamedFiles() ? UnnamedFilesOn : UnnamedFilesOff;
        }
        if (_unnamedFiles != UnnamedFilesOn)
        {
            return null;
        }
        int fd = NativeMethods.OpenUnnamedFile(folderPath);
        if (fd >= 0)
        {
            return new SafeFileHandle(fd, ownsHandle: true);
        }
        int errno = Marshal.GetLastPInvokeError();
        switch (errno)
        {
            case NativeMethods.EOPNOTSUPP or NativeMethods.EISDIR or NativeMethods.EINVAL:
                _unnamedFiles = UnnamedFilesOff;
                return null;
            case NativeMethods.ENOENT or NativeMethods.ENOTDIR:
                throw new DirectoryNotFoundException($"Folder '{folderPath}' is missing.");
            default:
                throw new IOException(Marshal.GetPInvokeErrorMessage(errno));
        }
    }

    /// <summary>
    /// Whether an unnamed file can be opened in the root and named, by its descriptor or else through
    /// /proc/self/fd: O_TMPFILE needs Linux 3.11 and a file system that supports it, a name by descriptor Linux
    /// 6.10 (or CAP_DAC_READ_SEARCH), a name through /proc a mounted /proc. The root exists, so a refused link here
    /// is never a missing folder, which the same errno (ENOENT) means on later links.
    /// </summary>
    private bool ProbeUnnamedFiles()
    {
        if (!NativeMethods.UnnamedFilesSupported)
        {
            return false;
        }
        _linksByDescriptor = _mayLinkByDescriptor && CanLinkUnnamedFile(byDescriptor: true);
        return _linksByDescriptor || CanLinkUnnamedFile(byDescriptor: false);
    }

    private bool CanLinkUnnamedFile(bool byDescriptor)
    {
        int fd = NativeMethods.OpenUnnamedFile(RootPath);
        if (fd < 0)
        {
            return false;
        }
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        string probePath = string.Concat(RootPath, DirectorySeparator, NextTempName());
        if (NativeMethods.LinkUnnamedFile(fd, probePath, byDescriptor) != 0)
        {
            return false;
        }
        TryDeleteFile(probePath);
        return true;
    }

    /// <summary>
    /// Names a written unnamed file <paramref name="finalPath"/>: a link that fails when the name is taken, so a
    /// conditional put needs nothing more; a plain put onto a taken name links a temporary name and renames it over.
    /// A folder a concurrent delete removed meanwhile (an unnamed file does not keep it from emptying) is created again.
    /// </summary>
    private void LinkIntoPlace(string key, int slash, SafeFileHandle handle, string finalPath, bool ifNoneMatch)
    {
        int fd = (int)handle.DangerousGetHandle();
        for (int attempt = 1; ; attempt++)
        {
            int errno = NativeMethods.LinkUnnamedFile(fd, finalPath, _linksByDescriptor);
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
                string tempPath = string.Concat(finalPath.AsSpan(0, finalPath.Length - (key.Length - slash - 1)), NextTempName());
                errno = NativeMethods.LinkUnnamedFile(fd, tempPath, _linksByDescriptor);
                if (errno == 0)
                {
                    try
                    {
                        MoveIntoPlace(key, tempPath, finalPath, ifNoneMatch: false);
                    }
                    catch
                    {
                        TryDeleteFile(tempPath);
                        throw;
                    }
                    return;
                }
            }
            if (errno is NativeMethods.ENOENT or NativeMethods.ENOTDIR && attempt < MaxPutAttempts)
            {
                ForgetFolders(key, slash);
                EnsureFolder(key, slash, create: true);
                continue;
            }
            throw new StorageException($"Cannot write '{key}' under '{RootPath}': {Marshal.GetPInvokeErrorMessage(errno)}");
        }
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
