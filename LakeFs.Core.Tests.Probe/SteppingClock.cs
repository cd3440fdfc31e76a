using System.Globalization;
using System.Text;

namespace LakeFs.Core.Tests.Probe;

/// <summary>
/// The crash mix's clock: the system's time plus a number of hours that only grows, kept in a file so that the next
/// child of a chain starts where the killed one stopped (time never goes back across kills). The mix steps it an hour
/// before each garbage collection, so the hour partitions the earlier operations wrote their data objects into are
/// closed and get swept: with the system clock a collection would only ever see the current, open hour.
/// </summary>
internal sealed class SteppingClock : TimeProvider
{
    private readonly string _file;
    private long _hours;

    public SteppingClock(string file)
    {
        _file = file;
        _hours = File.Exists(file) ? long.Parse(File.ReadAllText(file), CultureInfo.InvariantCulture) : 0;
    }

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow().AddHours(Interlocked.Read(ref _hours));

    /// <summary>Moves the clock an hour ahead, recorded (with fsync) before any time after it is handed out.</summary>
    public void Step()
    {
        var next = _hours + 1;
        using (var stream = new FileStream(_file + ".tmp", FileMode.Create, FileAccess.Write))
        {
            stream.Write(Encoding.UTF8.GetBytes(next.ToString(CultureInfo.InvariantCulture)));
            stream.Flush(flushToDisk: true);
        }
        File.Move(_file + ".tmp", _file, overwrite: true);
        Interlocked.Exchange(ref _hours, next);
    }
}
