using LakeFs.Core.Errors;
using LakeFs.Core.Model;

namespace LakeFs.Core.Trees;

/// <summary>
/// Decides each conflict of one three-way merge as the walk reaches it: the caller's resolver when given, else the
/// strategy. Conflicts left unresolved are collected, so that all of them are reported at the end
/// (<see cref="ThrowIfUnresolved"/>), and nothing is committed.
/// </summary>
internal sealed class ConflictResolver(MergeStrategy strategy, Func<Conflict, ConflictResolution>? resolver)
{
    private readonly List<Conflict> _unresolved = [];

    /// <summary>Conflicts the resolver or strategy decided.</summary>
    public int Resolved { get; private set; }

    /// <summary>For <see cref="ThreeWayMerge.MergeAsync"/>: what to apply at a conflicting path (nothing: the destination stays).</summary>
    public (bool Apply, byte[]? Value) Resolve(ThreeWayDifference step)
    {
        var path = Repository.Utf8(step.Key);
        var baseEntry = step.Base is { } b ? EntryCodec.Decode(b.Span) : null;
        // A conflict entry of a virtual base has no bytes: the resolver sees no base version, and why.
        var basesConflict = baseEntry is not null && VirtualBase.IsConflictEntry(baseEntry);
        var conflict = new Conflict
        {
            Path = path,
            Base = basesConflict ? null : baseEntry?.ToObjectInfo(path),
            Source = Info(path, step.Source),
            Destination = Info(path, step.Destination),
            BasesConflict = basesConflict,
        };
        var resolution = resolver is not null ? resolver(conflict) : strategy switch
        {
            MergeStrategy.SourceWins => ConflictResolution.UseSource,
            MergeStrategy.DestinationWins => ConflictResolution.UseDestination,
            _ => null,
        };
        if (resolution is null)
        {
            _unresolved.Add(conflict);
            return (false, null);
        }
        Resolved++;
        return resolution.Choice switch
        {
            ConflictChoice.Source => (true, step.Source?.ToArray()),
            ConflictChoice.Custom => (true, resolution.Custom is { } custom ? EntryCodec.Encode(FromInfo(custom)) : null),
            _ => (false, null),
        };
    }

    /// <summary>Throws <see cref="MergeConflictException"/> listing every conflict left unresolved, if any.</summary>
    /// <param name="what">Says what was merged, for the message ("Merging 'a' into 'b'").</param>
    public void ThrowIfUnresolved(string what)
    {
        if (_unresolved.Count > 0)
        {
            var shown = string.Join(", ", _unresolved.Take(10).Select(c => $"'{c.Path}'"));
            throw new MergeConflictException(
                $"{what}: {_unresolved.Count} conflicting path(s): {shown}{(_unresolved.Count > 10 ? ", …" : "")}. Nothing was changed.", _unresolved);
        }
    }

    private static ObjectInfo? Info(string path, ReadOnlyMemory<byte>? value) =>
        value is { } v ? EntryCodec.Decode(v.Span).ToObjectInfo(path) : null;

    /// <summary>The entry for a resolver's custom object, whose metadata is checked like a put's.</summary>
    private static Entry FromInfo(ObjectInfo info)
    {
        if (info.Size < 0)
        {
            throw new ArgumentException(
                $"A conflict resolution for '{info.Path}' gives a negative size ({info.Size}); use one of the conflict's objects or one written to the repository.", nameof(info));
        }
        MetadataLimits.ValidateObject(info.ContentType, info.Metadata);
        MetadataLimits.ValidateChecksum(info.Checksum);
        return new(info.PhysicalAddress, info.Size, info.Checksum, info.ContentType,
            new SortedDictionary<string, string>(info.Metadata.ToDictionary(), StringComparer.Ordinal), info.LastModified);
    }
}
