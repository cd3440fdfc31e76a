using System.Security.Cryptography;
using System.Text;
using LakeFs.Core.Objects;

namespace LakeFs.Core.Tests.Objects;

/// <summary>Each stream's checksum is of its own bytes, also when a thread reuses the hash of an earlier stream.</summary>
public sealed class HashingStreamTests
{
    private static string Sha256Hex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static async Task<string> HashAsync(byte[] bytes, int readSize)
    {
        using var hashing = new HashingStream(new MemoryStream(bytes));
        var buffer = new byte[readSize];
        while (await hashing.ReadAsync(buffer) > 0)
        {
        }
        Assert.That(hashing.BytesRead, Is.EqualTo(bytes.Length));
        return hashing.ChecksumHex();
    }

    [Test]
    public async Task Successive_streams_hash_only_their_own_bytes()
    {
        var inputs = new[] { Encoding.UTF8.GetBytes("abc"), [], new byte[70_000], Encoding.UTF8.GetBytes("abc") };
        Random.Shared.NextBytes(inputs[2]);
        foreach (var input in inputs)
        {
            Assert.That(await HashAsync(input, 4096), Is.EqualTo(Sha256Hex(input)));
        }
    }

    [Test]
    public void A_stream_left_unfinished_or_disposed_twice_does_not_disturb_the_next()
    {
        var unfinished = new HashingStream(new MemoryStream(new byte[1000]));
        unfinished.ReadExactly(new byte[10]);
        unfinished.Dispose();

        var twice = new HashingStream(new MemoryStream(Encoding.UTF8.GetBytes("first")));
        twice.CopyTo(Stream.Null);
        Assert.That(twice.ChecksumHex(), Is.EqualTo(Sha256Hex(Encoding.UTF8.GetBytes("first"))));
        Assert.That(twice.ChecksumHex(), Is.EqualTo(Sha256Hex(Encoding.UTF8.GetBytes("first"))), "asking again gives the same answer");
        twice.Dispose();
        twice.Dispose();

        using var next = new HashingStream(new MemoryStream(Encoding.UTF8.GetBytes("second")));
        next.CopyTo(Stream.Null);
        Assert.That(next.ChecksumHex(), Is.EqualTo(Sha256Hex(Encoding.UTF8.GetBytes("second"))));
    }
}
