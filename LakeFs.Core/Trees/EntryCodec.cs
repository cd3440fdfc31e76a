using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using LakeFs.Core.Errors;

namespace LakeFs.Core.Trees;

/// <summary>
/// The value encoding of an entry, shared by range files and the staging table:
/// version, address, size, checksum (raw bytes when it is lowercase hex), content type (empty for the default),
/// last-modified ticks, then metadata pairs sorted by key.
/// <para>
/// Version 2 (written since session 5) puts a kind byte before the address: an address of the form
/// <see cref="Repository.CreatePhysicalAddress"/> makes (<c>data/</c>, 10 digits of the hour, <c>/</c>, 32 lowercase
/// hex digits) is stored as the hour's number and the 16 bytes, 22 bytes instead of 49; any other address as text.
/// Every put's address has that form, so a range holds about a quarter fewer bytes to copy, hash and compare (a
/// commit of 100 random changes on 1,000,000 objects writes about 10 MB of range files). Version 1 (the address
/// as text, no kind byte) is still read.
/// </para>
/// <para>
/// Version 3 (written only for entries of <see cref="Repository.ImportAsync"/> from a named import source) has the
/// source's name, then the object's key in that source, in place of version 2's kind byte and address; the rest is
/// version 2's. A library from before imports reads such an entry as damaged (unknown version) instead of reading the
/// key in its own store. An import from the repository's own store writes version 2 with the key as a text address.
/// </para>
/// </summary>
internal static class EntryCodec
{
    private const byte VersionTextAddress = 1;
    private const byte Version = 2;
    private const byte VersionImported = 3;
    private const byte AddressText = 0;
    private const byte AddressGenerated = 1;
    private const byte ChecksumText = 0;
    private const byte ChecksumHex = 1;
    private const string GeneratedPrefix = "data/";
    private const int GeneratedLength = 48;

    public static byte[] Encode(Entry entry)
    {
        var writer = new ArrayBufferWriter<byte>(128);
        Encode(entry, writer);
        return writer.WrittenSpan.ToArray();
    }

    public static void Encode(Entry entry, IBufferWriter<byte> writer)
    {
        Span<byte> uuid = stackalloc byte[16];
        if (entry.Source is { } source)
        {
            writer.WriteByte(VersionImported);
            writer.WriteString(source);
            writer.WriteString(entry.Address);
        }
        else if (TryParseGenerated(entry.Address, out var hour, uuid))
        {
            writer.WriteByte(Version);
            writer.WriteByte(AddressGenerated);
            writer.WriteVarUInt64(hour);
            writer.WriteBytes(uuid);
        }
        else
        {
            writer.WriteByte(Version);
            writer.WriteByte(AddressText);
            writer.WriteString(entry.Address);
        }
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
        string? source = null;
        string address;
        switch (reader.ReadByte())
        {
            case VersionTextAddress:
                address = reader.ReadString();
                break;
            case Version:
                address = reader.ReadByte() switch
                {
                    AddressText => reader.ReadString(),
                    AddressGenerated => FormatGenerated(reader.ReadVarUInt64(), reader.ReadBytes()),
                    _ => throw new CorruptDataException("An entry has an unknown address kind."),
                };
                break;
            case VersionImported:
                source = reader.ReadString();
                address = reader.ReadString();
                break;
            default:
                throw new CorruptDataException("An entry has an unknown encoding version.");
        }
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
            new DateTimeOffset(ticks, TimeSpan.Zero))
        {
            Source = source,
        };
    }

    /// <summary>
    /// Whether <paramref name="address"/> has the generated form, with its hour number and its 16 bytes as one number
    /// (big-endian, so numbers order as the hex digits do).
    /// </summary>
    public static bool TryParseGeneratedAddress(string address, out ulong hour, out UInt128 id)
    {
        Span<byte> uuid = stackalloc byte[16];
        if (!TryParseGenerated(address, out hour, uuid))
        {
            id = default;
            return false;
        }
        id = BinaryPrimitives.ReadUInt128BigEndian(uuid);
        return true;
    }

    /// <summary>
    /// The generated address of an encoded entry as <see cref="TryParseGeneratedAddress"/> gives it, without decoding the
    /// rest of the entry; false when the entry has any other address or is imported (its object is in the import
    /// source's store, even when its key has the generated form).
    /// </summary>
    /// <exception cref="CorruptDataException">The entry's encoding is unknown or its address malformed.</exception>
    public static bool TryReadGeneratedAddress(ReadOnlySpan<byte> bytes, out ulong hour, out UInt128 id)
    {
        var reader = new SpanReader(bytes);
        var version = reader.ReadByte();
        if (version == VersionImported)
        {
            // An imported object lives in its source's store, whatever its key looks like: never garbage of ours.
            hour = 0;
            id = default;
            return false;
        }
        var kind = version == Version ? reader.ReadByte() : AddressText;
        if (version is not (Version or VersionTextAddress) || kind is not (AddressText or AddressGenerated))
        {
            throw new CorruptDataException("An entry has an unknown encoding version or address kind.");
        }
        if (kind == AddressText)
        {
            return TryParseGeneratedAddress(reader.ReadString(), out hour, out id);
        }
        hour = reader.ReadVarUInt64();
        var uuid = reader.ReadBytes();
        if (hour > 9_999_999_999 || uuid.Length != 16)
        {
            throw new CorruptDataException("An entry has a malformed generated address.");
        }
        id = BinaryPrimitives.ReadUInt128BigEndian(uuid);
        return true;
    }

    /// <summary>Whether <paramref name="address"/> is <c>data/</c> + 10 digits + <c>/</c> + 32 lowercase hex digits, and its parts.</summary>
    private static bool TryParseGenerated(string address, out ulong hour, Span<byte> uuid)
    {
        hour = 0;
        if (address.Length != GeneratedLength || !address.StartsWith(GeneratedPrefix, StringComparison.Ordinal) || address[15] != '/')
        {
            return false;
        }
        foreach (var c in address.AsSpan(5, 10))
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
            hour = hour * 10 + (ulong)(c - '0');
        }
        var hex = address.AsSpan(16);
        return IsLowerHex(hex) && Convert.FromHexString(hex, uuid, out _, out var written) == OperationStatus.Done && written == 16;
    }

    private static string FormatGenerated(ulong hour, ReadOnlySpan<byte> uuid)
    {
        if (hour > 9_999_999_999 || uuid.Length != 16)
        {
            throw new CorruptDataException("An entry has a malformed generated address.");
        }
        Span<char> chars = stackalloc char[GeneratedLength];
        GeneratedPrefix.CopyTo(chars);
        hour.TryFormat(chars[5..15], out _, "D10", CultureInfo.InvariantCulture);
        chars[15] = '/';
        Convert.TryToHexStringLower(uuid, chars[16..], out _);
        return new string(chars);
    }

    private static bool IsLowerHex(ReadOnlySpan<char> s)
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
