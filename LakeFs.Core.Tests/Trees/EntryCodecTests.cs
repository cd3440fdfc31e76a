using System.Text;
using LakeFs.Core.Errors;
using LakeFs.Core.Trees;

namespace LakeFs.Core.Tests.Trees;

public sealed class EntryCodecTests
{
    private const string Generated = "data/2026120111/0193c2a4e5f67b8c9d0e1f2a3b4c5d6e";

    private static Entry WithAddress(string address) =>
        new(address, 4096, "ab12", "text/csv", new SortedDictionary<string, string>(StringComparer.Ordinal) { ["k"] = "v" },
            new DateTimeOffset(2026, 12, 1, 11, 0, 0, TimeSpan.Zero));

    [TestCase(Generated)]
    [TestCase("data/0000000000/00000000000000000000000000000000")]
    [TestCase("data/9999999999/ffffffffffffffffffffffffffffffff")]
    public void An_address_the_repository_generates_round_trips_in_at_most_22_bytes(string address)
    {
        var entry = WithAddress(address);
        var encoded = EntryCodec.Encode(entry);

        Assert.That(EntryCodec.Decode(encoded), Is.EqualTo(entry).Using<Entry>(Same));
        var asText = EntryCodec.Encode(WithAddress(address.ToUpperInvariant()));
        Assert.That(asText.Length - encoded.Length, Is.GreaterThanOrEqualTo(27), "as text: length + 48 bytes; generated: hour (at most 5 bytes) + length + 16 bytes");
    }

    [TestCase("data/2026120111/0193C2A4E5F67B8C9D0E1F2A3B4C5D6E")]
    [TestCase("data/2026120111/0193c2a4e5f67b8c9d0e1f2a3b4c5d6")]
    [TestCase("data/2026120111/0193c2a4e5f67b8c9d0e1f2a3b4c5d6e0")]
    [TestCase("data/202612011x/0193c2a4e5f67b8c9d0e1f2a3b4c5d6e")]
    [TestCase("data/2026120111-0193c2a4e5f67b8c9d0e1f2a3b4c5d6e")]
    [TestCase("Data/2026120111/0193c2a4e5f67b8c9d0e1f2a3b4c5d6e")]
    [TestCase("data/2026120111/0193c2a4e5f67b8c9d0e1f2a3b4c5d6g")]
    [TestCase("uploads/part-0.parquet")]
    [TestCase("")]
    public void Any_other_address_round_trips_exactly_as_text(string address)
    {
        var entry = WithAddress(address);

        Assert.That(EntryCodec.Decode(EntryCodec.Encode(entry)), Is.EqualTo(entry).Using<Entry>(Same));
    }

    [Test]
    public void Version_1_bytes_with_a_text_address_still_decode()
    {
        // Version 1, address as text, size 5, checksum as hex bytes (ab12), default content type, ticks 0, no metadata.
        var address = Encoding.UTF8.GetBytes(Generated);
        byte[] bytes = [1, (byte)address.Length, .. address, 5, 1, 2, 0xAB, 0x12, 0, 0, 0];

        var entry = EntryCodec.Decode(bytes);

        Assert.That(entry.Address, Is.EqualTo(Generated));
        Assert.That(entry.Size, Is.EqualTo(5));
        Assert.That(entry.Checksum, Is.EqualTo("ab12"));
        Assert.That(entry.ContentType, Is.EqualTo(Entry.DefaultContentType));
    }

    [Test]
    public void An_unknown_address_kind_or_a_malformed_generated_address_is_corrupt_data()
    {
        var encoded = EntryCodec.Encode(WithAddress(Generated));
        var unknownKind = encoded.ToArray();
        unknownKind[1] = 7;
        var shortUuid = encoded.ToArray();
        shortUuid[7] = 15; // the uuid's length prefix, after version, kind and the 5-byte hour

        Assert.Throws<CorruptDataException>(() => EntryCodec.Decode(unknownKind));
        Assert.Throws<CorruptDataException>(() => EntryCodec.Decode(shortUuid));
    }

    [TestCase("landing", Generated)]
    [TestCase("landing", "raw/2026/part-0.csv")]
    [TestCase("", Generated)]
    public void An_imported_entry_keeps_its_source_and_its_address_as_text(string source, string address)
    {
        var entry = WithAddress(address) with { Source = source };
        var encoded = EntryCodec.Encode(entry);

        var decoded = EntryCodec.Decode(encoded);
        Assert.That(decoded, Is.EqualTo(entry).Using<Entry>(Same));
        Assert.That(decoded.Source, Is.EqualTo(source));
        Assert.That(encoded[0], Is.EqualTo(3), "version 3: a library from before imports refuses it");
        Assert.That(EntryCodec.Decode(EntryCodec.Encode(WithAddress(address))).Source, Is.Null, "a put or linked entry has no source");
    }

    private static bool Same(Entry a, Entry b) =>
        a.Address == b.Address && a.Size == b.Size && a.Checksum == b.Checksum && a.ContentType == b.ContentType
        && a.LastModified == b.LastModified && a.Metadata.SequenceEqual(b.Metadata);
}
