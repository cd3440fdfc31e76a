using System.Buffers;
using LakeFs.Core.Errors;

namespace LakeFs.Core.Graveler;

/// <summary>
/// The value encoding of an entry, shared by range files and the staging table:
/// version, address, size, checksum (raw bytes when it is lowercase hex), content type (empty for the default),
/// last-modified ticks, then metadata pairs sorted by key.
/// </summary>
internal static class EntryCodec
{
    private const byte Version = 1;
    private const byte ChecksumText = 0;
    private const byte ChecksumHex = 1;

    public static byte[] Encode(Entry entry)
    {
        var writer = new ArrayBufferWriter<byte>(128);
        Encode(entry, writer);
        return writer.WrittenSpan.ToArray();
    }

    public static void Encode(Entry entry, IBufferWriter<byte> writer)
    {
        writer.WriteByte(Version);
        writer.WriteString(entry.Address);
        writer.WriteVarInt64(entry.Size);
        if (IsLowerHex(entry.Checksum))
        {
            writer.WriteByte(ChecksumHex);
            writer.WriteBytes(Convert.FromHexString(entry.Checksum));
        }
        else
        {
            writer.WriteByte(ChecksumText);
            writer.WriteString(entry.Checksum);
        }
        writer.WriteString(entry.ContentType == Entry.DefaultContentType ? string.Empty : entry.ContentType);
        writer.WriteVarInt64(entry.LastModified.UtcTicks);
        writer.WriteVarUInt64((ulong)entry.Metadata.Count);
        foreach (var (key, value) in entry.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            writer.WriteString(key);
            writer.WriteString(value);
        }
    }

    public static Entry Decode(ReadOnlySpan<byte> bytes)
    {
        var reader = new SpanReader(bytes);
        if (reader.ReadByte() != Version)
        {
            throw new CorruptDataException("An entry has an unknown encoding version.");
        }
        var address = reader.ReadString();
        var size = reader.ReadVarInt64();
        var checksum = reader.ReadByte() switch
        {
            ChecksumHex => Convert.ToHexStringLower(reader.ReadBytes()),
            ChecksumText => reader.ReadString(),
            _ => throw new CorruptDataException("An entry has an unknown checksum kind."),
        };
        var contentType = reader.ReadString();
        var ticks = reader.ReadVarInt64();
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            throw new CorruptDataException("An entry has an out-of-range time.");
        }
        var count = reader.ReadLength();
        IReadOnlyDictionary<string, string> metadata = Entry.NoMetadata;
        if (count > 0)
        {
            var dict = new SortedDictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < count; i++)
            {
                dict[reader.ReadString()] = reader.ReadString();
            }
            metadata = dict;
        }
        return new Entry(
            address,
            size,
            checksum,
            contentType.Length == 0 ? Entry.DefaultContentType : contentType,
            metadata,
            new DateTimeOffset(ticks, TimeSpan.Zero));
    }

    private static bool IsLowerHex(string s)
    {
        if (s.Length == 0 || s.Length % 2 != 0)
        {
            return false;
        }
        foreach (var c in s)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f'))
            {
                return false;
            }
        }
        return true;
    }
}
