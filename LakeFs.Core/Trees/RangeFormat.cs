using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using LakeFs.Core.Errors;

namespace LakeFs.Core.Trees;

/// <summary>Constants and shared pieces of the range file format (see docs/range-format.md).</summary>
internal static class RangeFormat
{
    /// <summary>
    /// The version written. Version 2 cuts data blocks by content and records the writer's block size and restart
    /// interval in the properties; version 1 (size-cut blocks, no writer parameters) is still read.
    /// </summary>
    public const uint Version = 2;

    public const uint FirstVersion = 1;
    public const int ChecksumSize = 8;
    public const int FooterSize = 56;
    public static ReadOnlySpan<byte> Magic => "LAKEFSRG"u8;

    public static ulong Checksum(ReadOnlySpan<byte> payload) => XxHash3.HashToUInt64(payload);

    /// <summary>Reads a varint at <paramref name="pos"/> inside a block; any overrun is corruption.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int ReadVarInt(ReadOnlySpan<byte> block, ref int pos, string id)
    {
        uint result = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            if (pos >= block.Length)
            {
                throw Corrupt(id, "a block ends inside a number");
            }
            var b = block[pos++];
            result |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result > int.MaxValue ? throw Corrupt(id, "a length is out of range") : (int)result;
            }
        }
        throw Corrupt(id, "a number is too long");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void VerifyBlock(ReadOnlySpan<byte> file, long offset, long length, string id, string what)
    {
        if (offset < 0 || length < 0 || offset + length + ChecksumSize > file.Length - FooterSize)
        {
            throw Corrupt(id, $"the {what} lies outside the file");
        }
        var payload = file.Slice((int)offset, (int)length);
        var stored = BinaryPrimitives.ReadUInt64LittleEndian(file.Slice((int)(offset + length), ChecksumSize));
        if (Checksum(payload) != stored)
        {
            throw Corrupt(id, $"the {what} fails its checksum");
        }
    }

    public static CorruptDataException Corrupt(string id, string problem) =>
        new($"Range file '{id}' is corrupt: {problem}.");
}
