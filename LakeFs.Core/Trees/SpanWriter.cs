using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace LakeFs.Core.Trees;

/// <summary>Writes the little binary encodings read back by <see cref="SpanReader"/>.</summary>
internal static class SpanWriter
{
    public static void WriteVarUInt64(this IBufferWriter<byte> writer, ulong value) =>
        writer.Advance(WriteVarUInt64(writer.GetSpan(10), value));

    /// <summary>Writes <paramref name="value"/> as an unsigned LEB128 varint at the start of <paramref name="span"/>; returns the bytes written.</summary>
    public static int WriteVarUInt64(Span<byte> span, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[i++] = (byte)value;
        return i;
    }

    public static void WriteVarInt64(this IBufferWriter<byte> writer, long value) => writer.WriteVarUInt64((ulong)value);

    public static void WriteBytes(this IBufferWriter<byte> writer, ReadOnlySpan<byte> bytes)
    {
        writer.WriteVarUInt64((ulong)bytes.Length);
        writer.Write(bytes);
    }

    public static void WriteString(this IBufferWriter<byte> writer, string value)
    {
        var n = Encoding.UTF8.GetByteCount(value);
        writer.WriteVarUInt64((ulong)n);
        Encoding.UTF8.GetBytes(value, writer.GetSpan(n));
        writer.Advance(n);
    }

    public static void WriteInt64LittleEndian(this IBufferWriter<byte> writer, long value)
    {
        var span = writer.GetSpan(8);
        BinaryPrimitives.WriteInt64LittleEndian(span, value);
        writer.Advance(8);
    }

    public static void WriteByte(this IBufferWriter<byte> writer, byte value)
    {
        writer.GetSpan(1)[0] = value;
        writer.Advance(1);
    }
}
