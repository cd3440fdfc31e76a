using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace LakeFs.Storage.Local;

/// <summary>
/// The few POSIX calls .NET does not expose: an atomic no-replace link, an unlink that reports absence, the
/// open/fsync/close of a folder needed to make a rename durable, and on Linux the calls relative to an open folder
/// (openat2, openat, mkdirat, linkat, renameat, unlinkat, statx, readdir) with which <see cref="LocalRootFolder"/>
/// keeps every path beneath the store's root, and an unnamed file (O_TMPFILE) given its name by linkat.
/// Unix only (Linux, macOS); the folder-relative calls Linux only.
/// </summary>
internal static partial class NativeMethods
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EEXIST = 17;

    // Linux values, the same on x64 and arm64 (asm-generic/errno*.h); macOS numbers some differently.
    public const int EAGAIN = 11;
    public const int EXDEV = 18;
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int EINVAL = 22;
    public const int EOPNOTSUPP = 95;
    public const int ENOSYS = 38;
    public const int ENOTEMPTY = 39;
    public const int ELOOP = 40;

    /// <summary>The "current folder" descriptor of the *at calls.</summary>
    public const int AtCurrentFolder = -100;

    /// <summary>unlinkat: remove an (empty) folder rather than a file.</summary>
    public const int AtRemoveFolder = 0x200;

    /// <summary>The statx flag that reports a symbolic link itself rather than what it points to.</summary>
    public const int AtSymlinkNoFollow = 0x100;

    /// <summary>The statx/linkat flag that makes an empty path mean the descriptor itself.</summary>
    public const int AtEmptyPath = 0x1000;

    private const string LibC = "libc";

    public const int OpenReadOnly = 0;
    public const int OpenWriteOnly = 0x1;
    public const int OpenCreate = 0x40;
    public const int OpenExclusive = 0x80;

    /// <summary>O_NONBLOCK: keeps the open of a FIFO someone placed under the root from waiting for a writer.</summary>
    public const int OpenNonBlocking = 0x800;
    public const int OpenCloseOnExec = 0x80000;
    private const int AtSymlinkFollow = 0x400;

    /// <summary>openat2's RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH: no link on the path, nothing above the folder.</summary>
    private const ulong ResolveBeneathWithoutLinks = 0x04 | 0x08;

    /// <summary>openat2's number, the same on every architecture (it was added after the tables were unified).</summary>
    private const long OpenAt2Syscall = 437;

    /// <summary>rw-rw-rw- before the umask, the mode .NET creates files with.</summary>
    public const int NewFileMode = 0x1B6;

    /// <summary>rwxrwxrwx before the umask, the mode .NET creates folders with.</summary>
    public const int NewFolderMode = 0x1FF;

    public static bool IsSupported { get; } = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS();

    /// <summary>
    /// O_TMPFILE, which is __O_TMPFILE (020000000) | O_DIRECTORY, and O_DIRECTORY differs by architecture:
    /// 0200000 on x64 (asm-generic), 040000 on arm64 (arch/arm64/include/uapi/asm/fcntl.h). Zero where not
    /// verified, which keeps unnamed files off there.
    /// </summary>
    private static readonly int OpenUnnamedFlag = !OperatingSystem.IsLinux() ? 0 : RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 0x410000,
        Architecture.Arm64 => 0x404000,
        _ => 0,
    };

    /// <summary>O_NOFOLLOW: 0400000 on x64 (asm-generic), 0100000 on arm64. Zero where not verified.</summary>
    public static readonly int OpenNoFollow = !OperatingSystem.IsLinux() ? 0 : RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 0x20000,
        Architecture.Arm64 => 0x8000,
        _ => 0,
    };

    /// <summary>O_DIRECTORY: 0200000 on x64 (asm-generic), 040000 on arm64. Zero where not verified.</summary>
    public static readonly int OpenDirectory = !OperatingSystem.IsLinux() ? 0 : RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 0x10000,
        Architecture.Arm64 => 0x4000,
        _ => 0,
    };

    /// <summary>Whether the folder-relative calls may be used: Linux on an architecture whose flags are verified.</summary>
    public static bool FolderRelativeCallsSupported => OpenNoFollow != 0 && OpenDirectory != 0;

    /// <summary>Whether <see cref="OpenUnnamedFile"/> may be tried: Linux on an architecture whose flag is verified.</summary>
    public static bool UnnamedFilesSupported => OpenUnnamedFlag != 0;

    [LibraryImport(LibC, EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Link(string existingPath, string newPath);

    [LibraryImport(LibC, EntryPoint = "unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Unlink(string path);

    [LibraryImport(LibC, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    // openat is variadic; on Linux x64 and arm64 a variadic int travels like a fixed one.
    [LibraryImport(LibC, EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int OpenAt(int folderFd, string path, int flags, int mode);

    // syscall is variadic; on Linux x64 and arm64 variadic integers and pointers travel like fixed ones.
    [LibraryImport(LibC, EntryPoint = "syscall", SetLastError = true)]
    private static unsafe partial long Syscall(long number, long folderFd, byte* path, OpenHow* how, nuint size);

    [LibraryImport(LibC, EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MkdirAt(int folderFd, string path, int mode);

    [LibraryImport(LibC, EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int UnlinkAt(int folderFd, string path, int flags);

    [LibraryImport(LibC, EntryPoint = "renameat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int RenameAt(int oldFolderFd, string oldPath, int newFolderFd, string newPath);

    [LibraryImport(LibC, EntryPoint = "linkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int LinkAt(int oldFolderFd, string oldPath, int newFolderFd, string newPath, int flags);

    // statx has one layout on every Linux architecture, unlike struct stat.
    [LibraryImport(LibC, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int folderFd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport(LibC, EntryPoint = "fdopendir", SetLastError = true)]
    public static partial nint FdOpenDir(int fd);

    [LibraryImport(LibC, EntryPoint = "readdir", SetLastError = true)]
    public static partial nint ReadDir(nint folder);

    [LibraryImport(LibC, EntryPoint = "closedir", SetLastError = true)]
    public static partial int CloseDir(nint folder);

    [LibraryImport(LibC, EntryPoint = "dirfd", SetLastError = true)]
    public static partial int DirFd(nint folder);

    [LibraryImport(LibC, EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fd);

    [LibraryImport(LibC, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>The errno of the last failed call, as a sentence.</summary>
    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>Flushes a folder's entries (a rename into it) to disk. Does nothing where folders cannot be opened.</summary>
    public static void FsyncFolder(string path)
    {
        if (!IsSupported)
        {
            return;
        }
        int fd = Open(path, OpenReadOnly);
        if (fd < 0)
        {
            throw new IOException($"Cannot open folder '{path}' to flush it (errno {Marshal.GetLastPInvokeError()}).");
        }
        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"Cannot flush folder '{path}' (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>Opens a folder by its full path for the folder-relative calls (following any link on the way).</summary>
    /// <returns>The descriptor, or -1 with the errno in <see cref="Marshal.GetLastPInvokeError"/>.</returns>
    public static int OpenFolder(string path) => Open(path, OpenReadOnly | OpenDirectory | OpenCloseOnExec);

    /// <summary>
    /// openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS: opens <paramref name="path"/> relative to the folder
    /// <paramref name="folderFd"/> only if every step stays beneath it and none is a symbolic link (Linux 5.6).
    /// </summary>
    /// <returns>The descriptor, or -1 with <paramref name="errno"/>: ELOOP for a link on the way (or at its end),
    /// EXDEV for a step above the folder, ENOSYS (or EPERM from a sandbox) where openat2 is missing.</returns>
    public static unsafe int OpenBeneath(int folderFd, string path, int flags, out int errno)
    {
        Span<byte> utf8 = stackalloc byte[StorageKeys.MaxKeyBytes * 3 + 1];
        int length = Encoding.UTF8.GetBytes(path, utf8);
        utf8[length] = 0;
        var how = new OpenHow { Flags = (ulong)(uint)flags, Mode = 0, Resolve = ResolveBeneathWithoutLinks };
        long fd;
        fixed (byte* pathBytes = utf8)
        {
            fd = Syscall(OpenAt2Syscall, folderFd, pathBytes, &how, (nuint)sizeof(OpenHow));
        }
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return (int)fd;
    }

    /// <summary>
    /// Opens an unnamed, write-only regular file in the open folder <paramref name="folderFd"/>. It vanishes when
    /// closed unless <see cref="LinkUnnamedFile"/> names it first.
    /// </summary>
    /// <returns>The descriptor, or -1 with the errno in <see cref="Marshal.GetLastPInvokeError"/>.</returns>
    public static int OpenUnnamedFile(int folderFd) =>
        OpenAt(folderFd, ".", OpenUnnamedFlag | OpenWriteOnly | OpenCloseOnExec, NewFileMode);

    /// <summary>
    /// Gives the open file <paramref name="fd"/> the name <paramref name="name"/> in the open folder
    /// <paramref name="folderFd"/>, failing with EEXIST when the name is taken. <paramref name="byDescriptor"/>
    /// links the descriptor itself (linkat with AT_EMPTY_PATH, which Linux allows since 6.10 for a file the caller
    /// opened, and before only with CAP_DAC_READ_SEARCH); otherwise the link goes through /proc/self/fd, a path
    /// lookup of four more names (about 3 µs of a 20 µs put on tmpfs).
    /// </summary>
    /// <returns>0, or the errno.</returns>
    public static int LinkUnnamedFile(int fd, int folderFd, string name, bool byDescriptor)
    {
        int result = byDescriptor
            ? LinkAt(fd, string.Empty, folderFd, name, AtEmptyPath)
            : LinkAt(AtCurrentFolder, "/proc/self/fd/" + fd.ToString(CultureInfo.InvariantCulture), folderFd, name, AtSymlinkFollow);
        return result == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>
    /// What statx says of <paramref name="name"/> in the folder <paramref name="folderFd"/> (never following a
    /// symbolic link), or of <paramref name="folderFd"/> itself when <paramref name="name"/> is empty.
    /// </summary>
    /// <returns>0, or the errno.</returns>
    public static unsafe int StatAt(int folderFd, string name, out FileFacts facts)
    {
        const uint Want = 0x1 | 0x4 | 0x40 | 0x200; // STATX_TYPE | STATX_NLINK | STATX_MTIME | STATX_SIZE
        const int NlinkOffset = 16, ModeOffset = 28, SizeOffset = 40, MtimeOffset = 112;
        byte* buffer = stackalloc byte[256];
        int flags = AtSymlinkNoFollow | (name.Length == 0 ? AtEmptyPath : 0);
        if (Statx(folderFd, name, flags, Want, buffer) != 0)
        {
            facts = default;
            return Marshal.GetLastPInvokeError();
        }
        long seconds = *(long*)(buffer + MtimeOffset);
        uint nanoseconds = *(uint*)(buffer + MtimeOffset + 8);
        facts = new FileFacts(
            (FileKind)((*(ushort*)(buffer + ModeOffset) & 0xF000) >> 12),
            *(uint*)(buffer + NlinkOffset),
            *(long*)(buffer + SizeOffset),
            DateTime.UnixEpoch.AddSeconds(seconds).AddTicks(nanoseconds / TimeSpan.NanosecondsPerTick));
        return 0;
    }

    /// <summary>Whether the open folder <paramref name="folderFd"/> was removed (its link count is zero).</summary>
    public static bool IsRemoved(int folderFd) => StatAt(folderFd, string.Empty, out var facts) == 0 && facts.Links == 0;

    /// <summary>The type bits of a file's mode (S_IFMT >> 12), which are also readdir's d_type values.</summary>
    public enum FileKind : byte
    {
        Unknown = 0,
        Folder = 4,
        Regular = 8,
        SymbolicLink = 10,
    }

    /// <summary>What statx reported: the file's type, link count, size and last write time (UTC).</summary>
    public readonly record struct FileFacts(FileKind Kind, uint Links, long Size, DateTime LastWriteTimeUtc);

    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }
}
