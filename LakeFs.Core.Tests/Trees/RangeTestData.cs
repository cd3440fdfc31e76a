using FsCheck;
using FsCheck.Fluent;
using LakeFs.Core.Trees;

namespace LakeFs.Core.Tests.Trees;

/// <summary>Generators and builders shared by the range format tests.</summary>
internal static class RangeTestData
{
    public static readonly Comparer<byte[]> Ordinal = Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b));

    // Prefixes make keys share long runs (prefix compression, restart points); the byte mix favours the
    // boundary values 0x00 and 0xFF where ordinal-versus-signed comparison bugs show up.
    private static readonly byte[][] Prefixes =
    [
        [],
        "tables/"u8.ToArray(),
        "tables/users/year=2025/month=11/day=25/part-00000-"u8.ToArray(),
        Enumerable.Repeat((byte)0xFF, 200).ToArray(),
        Enumerable.Repeat((byte)0x00, 40).ToArray(),
    ];

    private static readonly Gen<byte> KeyByte = Gen.Frequency(
        (4, Gen.Elements<byte>(0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF)),
        (3, Gen.Elements("ab/"u8.ToArray())),
        (2, Gen.Choose(0, 255).Select(i => (byte)i)));

    public static readonly Gen<byte[]> Key =
        from prefix in Gen.Elements(Prefixes)
        from suffix in Gen.ArrayOf(KeyByte).Resize(12)
        select (byte[])[.. prefix, .. suffix];

    private static readonly Gen<byte[]> Value = Gen.Frequency(
        (2, Gen.Constant(Array.Empty<byte>())),
        (6, Gen.ArrayOf(Gen.Choose(0, 255).Select(i => (byte)i)).Resize(24)),
        (1, Gen.Choose(100, 3000).Select(n => Bytes(n, n))));

    private static Gen<RangeCase> Case(int sizeMultiplier) =>
        from pairs in Gen.NonEmptyListOf(Gen.Zip(Key, Value)).ScaleSize(s => s * sizeMultiplier)
        from blockSize in Gen.Elements(1, 40, 128, 512, 4096, 32 * 1024)
        from restartInterval in Gen.Elements(1, 2, 3, 16)
        from extraProbes in Gen.ListOf(Key)
        select MakeCase(pairs, blockSize, restartInterval, extraProbes);

    /// <summary>Up to about a hundred entries.</summary>
    public static Arbitrary<RangeCase> Cases() => Case(1).ToArbitrary();

    /// <summary>Up to a few thousand entries, which with the small block sizes spreads over many blocks.</summary>
    public static Arbitrary<RangeCase> LargeCases() => Case(40).ToArbitrary();

    public static RangeFile Write(RangeCase c) => Write(c.Entries, c.BlockSize, c.RestartInterval);

    public static RangeFile Write(IEnumerable<KeyValuePair<byte[], byte[]>> entries, int blockSize = 32 * 1024, int restartInterval = 16)
    {
        var writer = new RangeWriter(blockSize, restartInterval);
        foreach (var (key, value) in entries)
        {
            writer.Add(key, value);
        }

        return writer.Finish();
    }

    /// <summary>Deterministic path-like entries: <c>dir-NNN/file-NNNNNNN</c> with values of varying length.</summary>
    public static List<KeyValuePair<byte[], byte[]>> Paths(int count, int seed = 1)
    {
        var random = new Random(seed);
        var entries = new List<KeyValuePair<byte[], byte[]>>(count);
        for (var i = 0; i < count; i++)
        {
            var key = System.Text.Encoding.UTF8.GetBytes($"tables/events/dir-{i / 100:D3}/file-{i:D7}.parquet");
            entries.Add(new(key, Bytes(random.Next(0, 60), i)));
        }

        return entries;
    }

    public static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static RangeCase MakeCase(IEnumerable<(byte[] Key, byte[] Value)> pairs, int blockSize, int restartInterval, IEnumerable<byte[]> extraProbes)
    {
        var sorted = new SortedDictionary<byte[], byte[]>(Ordinal);
        foreach (var (key, value) in pairs)
        {
            sorted.TryAdd(key, value);
        }

        var entries = sorted.ToList();
        var probes = new List<byte[]>(extraProbes) { Array.Empty<byte>(), Enumerable.Repeat((byte)0xFF, 260).ToArray() };
        foreach (var (key, _) in entries)
        {
            // Just after, just before (a prefix) and a near miss of every key: the neighbours of real keys.
            probes.Add([.. key, 0x00]);
            if (key.Length > 0)
            {
                probes.Add(key[..^1]);
                var bumped = (byte[])key.Clone();
                bumped[^1] ^= 0x01;
                probes.Add(bumped);
            }
        }

        return new RangeCase(entries, blockSize, restartInterval, probes);
    }
}
