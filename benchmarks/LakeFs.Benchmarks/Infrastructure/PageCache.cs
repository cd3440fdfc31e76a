using System.Runtime.InteropServices;

namespace LakeFs.Benchmarks.Infrastructure;

/// <summary>
/// Writes dirty file data out before each run, so a run does not pay for the write-back of what an earlier
/// scenario or its own setup wrote (a 1,000,000-entry commit leaves hundreds of MiB dirty, and on this machine the
/// write-back halved the speed of the next scenario's file operations). The run's own writes still cost what they cost.
/// </summary>
internal static partial class PageCache
{
    public static void FlushDirty()
    {
        if (OperatingSystem.IsLinux())
        {
            Sync();
        }
    }

    [LibraryImport("libc", EntryPoint = "sync")]
    private static partial void Sync();
}
