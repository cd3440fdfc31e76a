using System.Globalization;
using System.Runtime.InteropServices;

namespace LakeFs.Storage.Local;

/// <summary>
/// The few POSIX calls .NET does not expose: an atomic no-replace link, an unlink that reports absence,
/// the open/fsync/close of a folder needed to make a rename durable, and on Linux an unnamed file
/// (O_TMPFILE) given its name by linkat. Unix only (Linux, macOS).
/// </summary>
internal static partial class NativeMethods
{
    public const int ENOENT = 2;
    public const int EEXIST = 17;

    // Linux values, the same on x64 and arm64 (asm-generic/errno*.h); macOS numbers some differently.
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int EINVAL = 22;
    public const int EOPNOTSUPP = 95;
    public const int ENOSYS = 38;
    public const int ELOOP = 40;

    private const string LibC = "libc";

    private const int OpenWriteOnly = 0x1;
    private const int OpenCloseOnExec = 0x80000;
    private const int AtCurrentFolder = -100;
    private const int AtSymlinkFollow = 0x400;
    private const int AtEmptyPath = 0x1000;

    /// <summary>rw-rw-rw- before the umask, the mode .NET creates files with.</summary>
    private const int NewFileMode = 0x1B6;

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
    private static readonly int OpenNoFollowFlag = !OperatingSystem.IsLinux() ? 0 : RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 0x20000,
        Architecture.Arm64 => 0x8000,
        _ => 0,
    };

    /// <summary>Whether <see cref="OpenRegularFile"/> may be used: Linux on an architecture whose flags are verified.</summary>
    public static bool OpenRegularFileSupported => OpenNoFollowFlag != 0;

    /// <summary>Whether <see cref="OpenUnnamedFile"/> may be tried: Linux on an architecture whose flag is verified.</summary>
    public static bool UnnamedFilesSupported => OpenUnnamedFlag != 0;

    [LibraryImport(LibC, EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Link(string existingPath, string newPath);

    [LibraryImport(LibC, EntryPoint = "unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Unlink(string path);

    [LibraryImport(LibC, EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Rename(string oldPath, string newPath);

    [LibraryImport(LibC, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    // open is variadic; on Linux x64 and arm64 a variadic int travels like a fixed one.
    [LibraryImport(LibC, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport(LibC, EntryPoint = "linkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LinkAt(int oldFolderFd, string oldPath, int newFolderFd, string newPath, int flags);

    // statx has one layout on every Linux architecture, unlike struct stat.
    [LibraryImport(LibC, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int folderFd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport(LibC, EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport(LibC, EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    /// <summary>Flushes a folder's entries (a rename into it) to disk. Does nothing where folders cannot be opened.</summary>
    public static void FsyncFolder(string path)
    {
        if (!IsSupported)
        {
            return;
        }
        const int ReadOnly = 0;
        int fd = Open(path, ReadOnly);
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

    /// <summary>
    /// Opens an unnamed, write-only regular file on the file system of <paramref name="folder"/>. It vanishes when
    /// closed unless <see cref="LinkUnnamedFile"/> names it first.
    /// </summary>
    /// <returns>The descriptor, or -1 with the errno in <see cref="Marshal.GetLastPInvokeError"/>.</returns>
    public static int OpenUnnamedFile(string folder) =>
        Open(folder, OpenUnnamedFlag | OpenWriteOnly | OpenCloseOnExec, NewFileMode);

    /// <summary>
    /// Gives the open file <paramref name="fd"/> the name <paramref name="path"/>, failing with EEXIST when the
    /// name is taken. <paramref name="byDescriptor"/> links the descriptor itself (linkat with AT_EMPTY_PATH, which
    /// Linux allows since 6.10 for a file the caller opened, and before only with CAP_DAC_READ_SEARCH); otherwise
    /// the link goes through /proc/self/fd, a path lookup of four more names (about 3 µs of a 20 µs put on tmpfs).
    /// </summary>
    /// <returns>0, or the errno.</returns>
    public static int LinkUnnamedFile(int fd, string path, bool byDescriptor)
    {
        int result = byDescriptor
            ? LinkAt(fd, string.Empty, AtCurrentFolder, path, AtEmptyPath)
            : LinkAt(AtCurrentFolder, "/proc/self/fd/" + fd.ToString(CultureInfo.InvariantCulture), AtCurrentFolder, path, AtSymlinkFollow);
        return result == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>
    /// Opens <paramref name="path"/> for reading when it is a regular file and not a symbolic link, in two system
    /// calls (open with O_NOFOLLOW, statx of the descriptor), where .NET's file open spends five (lstat, open,
    /// fstat, flock, and flock again on close): the local store reads every range of a diff or a commit this way.
    /// </summary>
    /// <returns>The descriptor with the file's size, or -1 with the errno: ELOOP for a symbolic link, EISDIR for
    /// anything but a regular file.</returns>
    public static unsafe int OpenRegularFile(string path, out long size, out int errno)
    {
        const int ReadOnly = 0;
        const uint WantTypeAndSize = 0x1 | 0x200; // STATX_TYPE | STATX_SIZE
        const int ModeOffset = 28, SizeOffset = 40;
        const int TypeMask = 0xF000, RegularFile = 0x8000;
        size = 0;
        int fd = Open(path, ReadOnly | OpenNoFollowFlag | OpenCloseOnExec);
        if (fd < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return -1;
        }
        byte* buffer = stackalloc byte[256];
        if (Statx(fd, string.Empty, AtEmptyPath, WantTypeAndSize, buffer) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            _ = Close(fd);
            return -1;
        }
        if ((*(ushort*)(buffer + ModeOffset) & TypeMask) != RegularFile)
        {
            _ = Close(fd);
            errno = EISDIR;
            return -1;
        }
        size = *(long*)(buffer + SizeOffset);
        errno = 0;
        return fd;
    }
}
