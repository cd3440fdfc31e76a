using System.IO.MemoryMappedFiles;

namespace LakeFs.Core.Refs;

/// <summary>
/// Two 64-bit counters in a small file mapped into memory by every process that opens the ref store: each write
/// transaction increments it after it commits, and before the write is acknowledged. A reader that finds the same
/// value it saw when it cached a branch view knows that no write of any process has committed since, so the view
/// is still exact — with one memory read instead of a SQLite read transaction (whose locks on the shared-memory
/// index cost system calls). Reading the counter before reading the database and labelling what was read with it
/// can only make a cached view look older than it is, never newer.
/// <para>
/// The second counter (<see cref="ReadRules"/>) counts only changes of branch-protection rules, which every write
/// consults: labelled with it, the rules stay cached while puts and commits bump the first counter. A file written by
/// an older version holds the first counter only; it is grown (zero-filled) on open, and such a version, which knows
/// no rules, never reads the second.
/// </para>
/// <para>
/// The file must not be removed while processes have the store open (like SQLite's own <c>-shm</c> file): a
/// process that mapped the old file would miss the increments of one that created a new one. When the file cannot
/// be mapped, <see cref="Open"/> returns null and readers go to the database every time.
/// </para>
/// </summary>
internal sealed unsafe class ChangeCounter : IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private const int Slots = 2;
    private readonly long* _value;

    private ChangeCounter(MemoryMappedFile file, MemoryMappedViewAccessor view)
    {
        _file = file;
        _view = view;
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        // A mapping starts on a page boundary, so the counter at offset 0 is aligned for atomic access. The pointer
        // stays valid while the handle is open; each access below holds a reference on the handle, so a dispose
        // racing an access unmaps only after it (and a later access throws ObjectDisposedException).
        _value = (long*)(pointer + _view.PointerOffset);
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
    }

    /// <summary>The file name beside the ref store file.</summary>
    public static string PathFor(string refStorePath) => refStorePath + "-changes";

    /// <summary>Maps the counter file, creating it when missing; null when it cannot be mapped.</summary>
    public static ChangeCounter? Open(string path)
    {
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            MemoryMappedFile? file = null;
            try
            {
                if (stream.Length < Slots * sizeof(long))
                {
                    // Growing zero-fills; a process that grows it at the same time writes the same length.
                    stream.SetLength(Slots * sizeof(long));
                }
                file = MemoryMappedFile.CreateFromFile(stream, null, Slots * sizeof(long), MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: false);
                return new ChangeCounter(file, file.CreateViewAccessor(0, Slots * sizeof(long), MemoryMappedFileAccess.ReadWrite));
            }
            catch
            {
                if (file is null)
                {
                    stream.Dispose();
                }
                file?.Dispose();
                throw;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>The current value (an acquire read: what is read after it is at least as new).</summary>
    public long Read() => Read(0);

    /// <summary>Counts one committed write transaction.</summary>
    public void Increment() => Increment(0);

    /// <summary>The count of committed changes of branch-protection rules.</summary>
    public long ReadRules() => Read(1);

    /// <summary>Counts one committed change of the branch-protection rules (after its transaction commits).</summary>
    public void IncrementRules() => Increment(1);

    private long Read(int slot)
    {
        var handle = _view.SafeMemoryMappedViewHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return Volatile.Read(ref _value[slot]);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private void Increment(int slot)
    {
        var handle = _view.SafeMemoryMappedViewHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            Interlocked.Increment(ref _value[slot]);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    public void Dispose()
    {
        _view.Dispose();
        _file.Dispose();
    }
}
