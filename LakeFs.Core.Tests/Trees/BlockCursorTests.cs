using System.Buffers.Binary;
using System.Text;
using LakeFs.Core.Errors;
using LakeFs.Core.Trees;

namespace LakeFs.Core.Tests.Trees;

public sealed class BlockCursorTests
{
    private static readonly string[] Keys = ["a/b/c1", "a/b/c2", "a/b/d", "a/c", "b"];

    private static readonly string[] AbsentProbes = ["", "a", "a/b/c", "a/b/c15", "a/b/c3", "a/b/e", "a/d", "c", "b0"];

    // The format stores how many bytes an entry shares with the previous key; a writer may store fewer than the
    // longest common prefix. The lookup that skips entries by that count must still find every key.
    [TestCase(new[] { 0, 5, 4, 2, 0 }, TestName = "Longest shared prefixes")]
    [TestCase(new[] { 0, 1, 0, 1, 0 }, TestName = "Shorter shared prefixes than the keys allow")]
    [TestCase(new[] { 0, 0, 0, 0, 0 }, TestName = "No shared prefixes")]
    public void TryFind_agrees_with_the_cursor_for_any_valid_shared_counts(int[] shared)
    {
        var block = Block(shared);

        foreach (var key in Keys)
        {
            Assert.That(BlockCursor.TryFind(block, Bytes(key), "r", out var start, out var length), Is.True, key);
            Assert.That(Encoding.ASCII.GetString(block, start, length), Is.EqualTo("v:" + key));
            Assert.That(CursorValue(block, key), Is.EqualTo("v:" + key));
        }
        foreach (var probe in AbsentProbes)
        {
            Assert.That(BlockCursor.TryFind(block, Bytes(probe), "r", out _, out _), Is.False, probe);
            Assert.That(CursorValue(block, probe), Is.Null, probe);
        }
    }

    [Test]
    public void TryFind_reports_a_shared_count_longer_than_the_previous_key_as_corrupt()
    {
        var block = Block([0, 7, 4, 2, 0]);

        var error = Assert.Throws<CorruptDataException>(() => BlockCursor.TryFind(block, Bytes("b"), "r", out _, out _));
        Assert.That(error!.Message, Does.Contain("'r'"));
    }

    private static string? CursorValue(byte[] block, string key)
    {
        var cursor = new BlockCursor("r", block);
        return cursor.SeekGE(Bytes(key)) && cursor.Key.SequenceEqual(Bytes(key)) ? Encoding.ASCII.GetString(cursor.ValueSpan) : null;
    }

    /// <summary>One block of <see cref="Keys"/>, entry i storing <paramref name="shared"/>[i] bytes of the previous key, one restart point.</summary>
    private static byte[] Block(int[] shared)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < Keys.Length; i++)
        {
            var key = Bytes(Keys[i]);
            var value = Bytes("v:" + Keys[i]);
            bytes.Add((byte)shared[i]);
            bytes.Add((byte)(key.Length - Math.Min(shared[i], key.Length)));
            bytes.Add((byte)value.Length);
            bytes.AddRange(key.Skip(shared[i]));
            bytes.AddRange(value);
        }
        var trailer = new byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(trailer, 0);
        BinaryPrimitives.WriteInt32LittleEndian(trailer.AsSpan(4), 1);
        bytes.AddRange(trailer);
        return [.. bytes];
    }

    private static byte[] Bytes(string s) => Encoding.ASCII.GetBytes(s);
}
