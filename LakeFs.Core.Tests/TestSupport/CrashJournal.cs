using LakeFs.Core.Tests.Probe;

namespace LakeFs.Core.Tests.TestSupport;

/// <summary>
/// What a crash-trial child journaled (see <see cref="CrashMix"/>): the state every branch and tag must be in after
/// the kill, every commit acknowledged with its tree's digest, and the operation in flight when the kill came
/// (started, not acknowledged), which may or may not have taken effect, but only as a whole per object.
/// </summary>
internal sealed class CrashJournal
{
    /// <summary>One journaled operation: its sequence number, kind and arguments, as in its "B" line.</summary>
    public sealed record Operation(long Seq, string Kind, string[] Args);

    public bool Ready { get; private set; }

    /// <summary>Each branch's view digest and head after the last acknowledged operation on it.</summary>
    public Dictionary<string, (UInt128 Digest, string Head)> Branches { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);

    /// <summary>Every acknowledged commit and the digest of its tree.</summary>
    public List<(string Id, UInt128 Digest)> Commits { get; } = [];

    /// <summary>The operation started and neither acknowledged nor refused; null when none.</summary>
    public Operation? InFlight { get; private set; }

    public int Acknowledged { get; private set; }

    public int Refused { get; private set; }

    /// <summary>Operations acknowledged (done or refused), by kind.</summary>
    public Dictionary<string, int> ByKind { get; } = new(StringComparer.Ordinal);

    /// <summary>Operations refused by a typed error, by kind.</summary>
    public Dictionary<string, int> RefusedByKind { get; } = new(StringComparer.Ordinal);

    /// <summary>Data objects the acknowledged garbage collections deleted.</summary>
    public long GcObjectsDeleted { get; private set; }

    /// <summary>Range and metarange files the acknowledged garbage collections deleted.</summary>
    public long GcTreeFilesDeleted { get; private set; }

    /// <summary>Commits the acknowledged garbage collections expired: always 0 in the mix, where every commit stays reachable.</summary>
    public long GcCommitsExpired { get; private set; }

    public static CrashJournal Read(string path)
    {
        var journal = new CrashJournal();
        var text = File.Exists(path) ? File.ReadAllText(path) : "";
        // A line the kill cut short has no newline yet: it was never complete, so it is ignored.
        var lines = text.Split('\n');
        foreach (var line in lines.Take(lines.Length - 1))
        {
            var f = line.Split(' ');
            switch (f[0])
            {
                case "S":
                    journal.Branches[f[1]] = (CrashMix.Parse(f[2]), f[3]);
                    break;
                case "T":
                    journal.Tags[f[1]] = f[2];
                    break;
                case "R":
                    journal.Ready = true;
                    break;
                case "B":
                    journal.InFlight = new Operation(long.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture), f[2], f[3..]);
                    break;
                case "C":
                    journal.Commits.Add((f[1], CrashMix.Parse(f[2])));
                    break;
                case "D" when f[2] == "gc":
                    journal.GcObjectsDeleted += long.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture);
                    journal.GcTreeFilesDeleted += long.Parse(f[4], System.Globalization.CultureInfo.InvariantCulture);
                    journal.GcCommitsExpired += long.Parse(f[5], System.Globalization.CultureInfo.InvariantCulture);
                    journal.Acknowledge(f[1]);
                    break;
                case "D" when f[2] == "tag":
                    journal.Tags[f[3]] = f[4];
                    journal.Acknowledge(f[1]);
                    break;
                case "D":
                    journal.Branches[f[2]] = (CrashMix.Parse(f[3]), f[4]);
                    journal.Acknowledge(f[1]);
                    break;
                case "F":
                    journal.Refused++;
                    journal.RefusedByKind[journal.InFlight?.Kind ?? "?"] = journal.RefusedByKind.GetValueOrDefault(journal.InFlight?.Kind ?? "?") + 1;
                    journal.Acknowledge(f[1]);
                    break;
                default:
                    throw new InvalidDataException($"Journal line not understood: '{line}'");
            }
        }
        return journal;
    }

    private void Acknowledge(string seq)
    {
        Assert.That(InFlight?.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(seq), "the journal acknowledges the operation it started");
        ByKind[InFlight!.Kind] = ByKind.GetValueOrDefault(InFlight.Kind) + 1;
        InFlight = null;
        Acknowledged++;
    }

    /// <summary>The branch the in-flight operation changes (for a tag or a garbage collection, none).</summary>
    public string? InFlightBranch => InFlight switch
    {
        null => null,
        { Kind: "tag" or "gc" } => null,
        { Kind: "merge" } op => op.Args[1],
        var op => op.Args[0],
    };
}
