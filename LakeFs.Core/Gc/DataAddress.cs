using System.Globalization;
using LakeFs.Core.Trees;

namespace LakeFs.Core.Gc;

/// <summary>
/// The data addresses garbage collection may delete: those <see cref="Repository.CreatePhysicalAddress"/> makes,
/// <c>data/&lt;yyyyMMddHH&gt;/&lt;32 lowercase hex digits&gt;</c> with a real hour. Anything else (imported objects,
/// other prefixes, other shapes under <c>data/</c>) is never deleted, nor even looked at.
/// </summary>
internal static class DataAddress
{
    public const string Prefix = "data/";

    /// <summary>The hour partition and the 128-bit id of a generated address; false for any other key.</summary>
    public static bool TryParse(string key, out ulong hour, out UInt128 id)
    {
        id = default;
        return EntryCodec.TryParseGeneratedAddress(key, out hour, out id) && HourStart(hour) is not null;
    }

    /// <summary>The listing prefix of one hour partition.</summary>
    public static string PartitionPrefix(ulong hour) => Prefix + hour.ToString("D10", CultureInfo.InvariantCulture) + "/";

    /// <summary>The partition's name as the ref store records it.</summary>
    public static string PartitionName(ulong hour) => hour.ToString("D10", CultureInfo.InvariantCulture);

    /// <summary>The start of the hour, or null when the ten digits are no hour of a date.</summary>
    public static DateTimeOffset? HourStart(ulong hour) =>
        DateTimeOffset.TryParseExact(PartitionName(hour), "yyyyMMddHH", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var start) ? start : null;
}
