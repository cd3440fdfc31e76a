using System.Runtime.InteropServices;

namespace LakeFs.Storage.Local;

/// <summary>
/// The few POSIX calls .NET does not expose: an atomic no-replace link, an unlink that reports absence,
/// and the open/fsync/close of a folder needed to make a rename durable. Unix only (Linux, macOS).
/// </summary>
internal static partial class NativeMethods
{
    public const int EEXIST = 17;
    public const int ENOENT = 2;

    private const string LibC = "libc";

    public static bool IsSupported { get; } = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS();

    [LibraryImport(LibC, EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Link(string existingPath, string newPath);

    [LibraryImport(LibC, EntryPoint = "unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Unlink(string path);

    [LibraryImport(LibC, EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Rename(string oldPath, string newPath);

    [LibraryImport(LibC, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

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
}
