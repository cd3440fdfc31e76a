using LakeFs.Core.Gc;
using LakeFs.Core.Trees;

namespace LakeFs.Core.Tests.Gc;

public sealed class DataAddressTests
{
    private const string Generated = "data/2026120211/0123456789abcdef0123456789abcdef";

    private static Entry EntryAt(string address) => new(address, 3, "abc", Entry.DefaultContentType, Entry.NoMetadata, DateTimeOffset.UnixEpoch);

    [Test]
    public void Only_generated_addresses_of_the_repository_are_read_from_entries()
    {
        Assert.That(EntryCodec.TryReadGeneratedAddress(EntryCodec.Encode(EntryAt(Generated)), out var hour, out var id), Is.True);
        Assert.That((hour, id), Is.EqualTo((2026120211UL, UInt128.Parse("0123456789abcdef0123456789abcdef", System.Globalization.NumberStyles.HexNumber, null))));
        Assert.That(DataAddress.TryParse(Generated, out var parsedHour, out var parsedId) && (parsedHour, parsedId) == (hour, id), Is.True);

        Assert.That(EntryCodec.TryReadGeneratedAddress(EntryCodec.Encode(EntryAt("imports/x.parquet")), out _, out _), Is.False);
        Assert.That(EntryCodec.TryReadGeneratedAddress(EntryCodec.Encode(EntryAt(Generated) with { Source = "warehouse" }), out _, out _), Is.False,
            "an imported object is its source's, even at a key of the generated form");
        Assert.That(DataAddress.TryParse("data/2026133011/0123456789abcdef0123456789abcdef", out _, out _), Is.False, "no such hour");
        Assert.That(DataAddress.TryParse("data/2026120211/0123456789ABCDEF0123456789ABCDEF", out _, out _), Is.False);
    }
}
