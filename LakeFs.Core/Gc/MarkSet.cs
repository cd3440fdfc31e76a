using System.Buffers.Binary;

namespace LakeFs.Core.Gc;

/// <summary>
/// The data addresses marked as in use, in bounded memory: up to a fixed number in memory, then sorted into run
/// files of 24 bytes per address in a folder of its own, which <see cref="Dispose"/> removes. <see cref="ReadSorted"/>
/// merges the runs and what is still in memory into one ascending stream without repeats, so a sweep can walk it
/// beside a listing of the partitions (which lists in the same order).
/// </summary>
internal sealed class MarkSet(int maxInMemory, string? spillParent) : IDisposable
{
    private const int RecordSize = 24;
    private readonly List<Mark> _memory = [];
    private readonly List<string> _runs = [];
    private string? _folder;

    /// <summary>Addresses added (repeats included).</summary>
    public long Added { get; private set; }

    /// <summary>Run files written.</summary>
    public int Runs => _runs.Count;

    public void Add(ulong hour, UInt128 id)
    {
        if (_memory.Count >= maxInMemory)
        {
            Spill();
        }
        _memory.Add(new Mark(hour, id));
        Added++;
    }

    private void Spill()
    {
        _memory.Sort();
        _folder ??= Directory.CreateDirectory(Path.Combine(spillParent ?? Path.GetTempPath(), "lakefs-gc-" + Guid.NewGuid().ToString("N"))).FullName;
        var path = Path.Combine(_folder, _runs.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".run");
        using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
        {
            Span<byte> record = stackalloc byte[RecordSize];
            Mark? last = null;
            foreach (var mark in _memory)
            {
                if (last == mark)
                {
                    continue;
                }
                last = mark;
                BinaryPrimitives.WriteUInt64BigEndian(record, mark.Hour);
                BinaryPrimitives.WriteUInt128BigEndian(record[8..], mark.Id);
                file.Write(record);
            }
        }
        _runs.Add(path);
        _memory.Clear();
    }

    /// <summary>Every address added, ascending, each once. Call once, after the last <see cref="Add"/>.</summary>
    public IEnumerable<Mark> ReadSorted()
    {
        _memory.Sort();
        var sources = new List<IEnumerator<Mark>> { _memory.GetEnumerator() };
        sources.AddRange(_runs.Select(ReadRun));
        var queue = new PriorityQueue<int, Mark>();
        try
        {
            for (var i = 0; i < sources.Count; i++)
            {
                if (sources[i].MoveNext())
                {
                    queue.Enqueue(i, sources[i].Current);
                }
            }
            Mark? last = null;
            while (queue.TryDequeue(out var source, out var mark))
            {
                if (last != mark)
                {
                    last = mark;
                    yield return mark;
                }
                if (sources[source].MoveNext())
                {
                    queue.Enqueue(source, sources[source].Current);
                }
            }
        }
        finally
        {
            foreach (var source in sources)
            {
                source.Dispose();
            }
        }
    }

    private static IEnumerator<Mark> ReadRun(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var record = new byte[RecordSize];
        while (file.ReadAtLeast(record, RecordSize, throwOnEndOfStream: false) == RecordSize)
        {
            yield return new Mark(BinaryPrimitives.ReadUInt64BigEndian(record), BinaryPrimitives.ReadUInt128BigEndian(record.AsSpan(8)));
        }
    }

    public void Dispose()
    {
        if (_folder is not null)
        {
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A leftover run file in the temporary folder is harmless.
            }
        }
    }
}
