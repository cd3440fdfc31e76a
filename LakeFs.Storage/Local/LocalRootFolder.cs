using Microsoft.Win32.SafeHandles;

namespace LakeFs.Storage.Local;

/// <summary>
/// A local store's root folder held open on Linux, and the one place that turns a key into an open folder or file:
/// every lookup starts at the root's descriptor and is resolved at the moment of use, with openat2's
/// RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS (Linux 5.6), or where that is missing one folder at a time with
/// openat(O_NOFOLLOW | O_DIRECTORY) from the root. Whatever is swapped in at any moment, a link on the way is
/// refused (ELOOP) instead of followed, so no lookup leaves the root.
/// </summary>
/// <remarks>
/// <para>
/// Only the root's descriptor is kept. A descriptor of a folder beneath it is used for one operation and closed:
/// a kept one would follow its folder wherever it is renamed to, outside the root included, and every later
/// operation would land there. Within one operation the same holds for a few microseconds: whoever renames a folder
/// out of the root in that window can rename the finished object out just as well, so nothing is reached that its
/// writer could not reach anyway; a link, which could point anywhere the store's process may write, is never
/// followed. The root itself is the folder the store opened: if it is renamed, the store follows it.
/// </para>
/// </remarks>
internal sealed class LocalRootFolder
{
    private const int FolderFlags = NativeMethods.OpenReadOnly | NativeMethods.OpenCloseOnExec;
    private const int MaxCreateAttempts = 100;

    private readonly SafeFileHandle _root;
    private volatile bool _opensBeneath;

    private LocalRootFolder(SafeFileHandle root, bool opensBeneath)
    {
        _root = root;
        _opensBeneath = opensBeneath;
    }

    /// <summary>The root's descriptor; never closed by an operation.</summary>
    public int Fd => (int)_root.DangerousGetHandle();

    /// <summary>Whether lookups use openat2 (false: a folder at a time with openat).</summary>
    public bool OpensBeneath => _opensBeneath;

    /// <summary>
    /// Opens the root at <paramref name="path"/>, or returns <c>null</c> where the folder-relative calls are missing
    /// (not Linux, an architecture whose flags are not verified, or a kernel before 4.11 without statx).
    /// <paramref name="useOpenat2"/> off makes lookups walk folder by folder, as on kernels before 5.6.
    /// </summary>
    public static LocalRootFolder? TryOpen(string path, bool useOpenat2)
    {
        if (!NativeMethods.FolderRelativeCallsSupported)
        {
            return null;
        }
        int fd = NativeMethods.OpenFolder(path);
        if (fd < 0)
        {
            throw new StorageException($"Cannot open the store's root '{path}': {NativeMethods.Describe(System.Runtime.InteropServices.Marshal.GetLastPInvokeError())}.");
        }
        var root = new SafeFileHandle(fd, ownsHandle: true);
        if (NativeMethods.StatAt(fd, string.Empty, out _) != 0)
        {
            root.Dispose();
            return null;
        }
        if (useOpenat2)
        {
            int probe = NativeMethods.OpenBeneath(fd, ".", FolderFlags | NativeMethods.OpenDirectory, out int errno);
            if (probe >= 0)
            {
                _ = NativeMethods.Close(probe);
            }
            // ENOSYS before Linux 5.6; EPERM from a seccomp filter (container runtimes) that does not know the call.
            useOpenat2 = errno is not (NativeMethods.ENOSYS or NativeMethods.EPERM);
        }
        return new LocalRootFolder(root, useOpenat2);
    }

    /// <summary>
    /// Opens the folder <paramref name="folder"/> (a key's folder, no trailing '/'; "" is the root) for the
    /// folder-relative calls; with <paramref name="create"/> creates the missing folders on the way. Close the
    /// result with <see cref="Release"/>: for "" it is the root's own descriptor unless <paramref name="fresh"/>
    /// (a listing reads the folder through its descriptor, which must not be shared).
    /// </summary>
    /// <returns>The descriptor, or -1 with <paramref name="errno"/>: ENOENT for a missing folder (with
    /// <paramref name="create"/>: one removed while it was being created), ENOTDIR when one on the way is a file,
    /// ELOOP when one is a symbolic link.</returns>
    public int OpenFolder(string folder, bool create, out int errno, bool fresh = false)
    {
        errno = 0;
        if (folder.Length == 0)
        {
            if (!fresh)
            {
                return Fd;
            }
            int self = NativeMethods.OpenAt(Fd, ".", FolderFlags | NativeMethods.OpenDirectory, 0);
            errno = self < 0 ? System.Runtime.InteropServices.Marshal.GetLastPInvokeError() : 0;
            return self;
        }
        if (_opensBeneath)
        {
            int fd = NativeMethods.OpenBeneath(Fd, folder, FolderFlags | NativeMethods.OpenDirectory, out errno);
            if (fd >= 0 || !(errno == NativeMethods.ENOSYS || errno == NativeMethods.EAGAIN || (create && errno == NativeMethods.ENOENT)))
            {
                return fd;
            }
            if (errno == NativeMethods.ENOSYS)
            {
                _opensBeneath = false;
            }
        }
        return Walk(folder, create, out errno);
    }

    /// <summary>
    /// Opens the key's file for reading when it is a regular file reached without any symbolic link, in one lookup
    /// and one statx of the descriptor.
    /// </summary>
    /// <returns>The descriptor with the file's size, or -1 with <paramref name="errno"/>: ELOOP for a symbolic link
    /// on the way, EISDIR for anything but a regular file, ENOENT or ENOTDIR when nothing is there.</returns>
    public int OpenFile(string key, out long size, out int errno)
    {
        size = 0;
        const int Flags = NativeMethods.OpenReadOnly | NativeMethods.OpenNonBlocking | NativeMethods.OpenCloseOnExec;
        int fd = -1;
        if (_opensBeneath)
        {
            fd = NativeMethods.OpenBeneath(Fd, key, Flags, out errno);
            if (fd < 0 && errno is NativeMethods.ENOSYS or NativeMethods.EAGAIN)
            {
                _opensBeneath = errno != NativeMethods.ENOSYS;
                fd = OpenFileByWalk(key, Flags, out errno);
            }
        }
        else
        {
            fd = OpenFileByWalk(key, Flags, out errno);
        }
        if (fd < 0)
        {
            return -1;
        }
        errno = NativeMethods.StatAt(fd, string.Empty, out var facts);
        if (errno == 0 && facts.Kind != NativeMethods.FileKind.Regular)
        {
            errno = NativeMethods.EISDIR;
        }
        if (errno != 0)
        {
            _ = NativeMethods.Close(fd);
            return -1;
        }
        size = facts.Size;
        return fd;
    }

    /// <summary>Closes a descriptor from <see cref="OpenFolder"/> unless it is the root's.</summary>
    public void Release(int fd)
    {
        if (fd >= 0 && fd != Fd)
        {
            _ = NativeMethods.Close(fd);
        }
    }

    private int OpenFileByWalk(string key, int flags, out int errno)
    {
        int slash = key.LastIndexOf('/');
        int folder = OpenFolder(slash < 0 ? string.Empty : key[..slash], create: false, out errno);
        if (folder < 0)
        {
            return -1;
        }
        int fd = NativeMethods.OpenAt(folder, key[(slash + 1)..], flags | NativeMethods.OpenNoFollow, 0);
        errno = fd < 0 ? System.Runtime.InteropServices.Marshal.GetLastPInvokeError() : 0;
        Release(folder);
        return fd;
    }

    /// <summary>
    /// Opens the folder one name at a time from the root, each with openat(O_NOFOLLOW | O_DIRECTORY) relative to
    /// the one before, creating missing ones with mkdirat when <paramref name="create"/>.
    /// </summary>
    private int Walk(string folder, bool create, out int errno)
    {
        int parent = Fd;
        int start = 0;
        while (true)
        {
            int end = folder.IndexOf('/', start);
            if (end < 0)
            {
                end = folder.Length;
            }
            string name = folder[start..end];
            int fd = OpenChildFolder(parent, name, out errno);
            for (int attempt = 1; fd < 0 && errno == NativeMethods.ENOENT && create && attempt < MaxCreateAttempts; attempt++)
            {
                if (NativeMethods.MkdirAt(parent, name, NativeMethods.NewFolderMode) != 0)
                {
                    errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                    if (errno != NativeMethods.EEXIST)
                    {
                        // ENOENT: the folder above was removed meanwhile; the caller starts again from the root.
                        break;
                    }
                }
                // Created, or made by a concurrent put (and perhaps removed again by a concurrent delete: once more).
                fd = OpenChildFolder(parent, name, out errno);
            }
            Release(parent);
            if (fd < 0)
            {
                return -1;
            }
            if (end == folder.Length)
            {
                return fd;
            }
            parent = fd;
            start = end + 1;
        }
    }

    /// <summary>Opens a folder's child folder without following a link; tells a link (ELOOP) from a file (ENOTDIR).</summary>
    private static int OpenChildFolder(int parent, string name, out int errno)
    {
        int fd = NativeMethods.OpenAt(parent, name, FolderFlags | NativeMethods.OpenDirectory | NativeMethods.OpenNoFollow, 0);
        if (fd >= 0)
        {
            errno = 0;
            return fd;
        }
        errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        // O_DIRECTORY reports a link as "not a folder" before O_NOFOLLOW can call it a link.
        if (errno == NativeMethods.ENOTDIR
            && NativeMethods.StatAt(parent, name, out var facts) == 0
            && facts.Kind == NativeMethods.FileKind.SymbolicLink)
        {
            errno = NativeMethods.ELOOP;
        }
        return -1;
    }
}
