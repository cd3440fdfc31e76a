using System.Text;
using LakeFs.Core.Errors;

namespace LakeFs.Core.Trees;

/// <summary>Reads the little binary encodings of entries and records; any overrun is corrupt data.</summary>
internal ref struct SpanReader(ReadOnlySpan<byte> span)
{
    private readonly ReadOnlySpan<byte> _span = span;
    private int _position;

    public byte ReadByte()
    {
        if (_position >= _span.Length)
        {
            throw Corrupt();
        }
        return _span[_position++];
    }

    public ulong ReadVarUInt64()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = ReadByte();
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }
        throw Corrupt();
    }

    public long ReadVarInt64() => (long)ReadVarUInt64();

    public int ReadLength()
    {
        var n = ReadVarUInt64();
        if (n > (ulong)(_span.Length - _position))
        {
            throw Corrupt();
        }
        return (int)n;
    }

    public ReadOnlySpan<byte> ReadBytes()
    {
        var n = ReadLength();
        var bytes = _span.Slice(_position, n);
        _position += n;
        return bytes;
    }

    public string ReadString() => Encoding.UTF8.GetString(ReadBytes());

    private static CorruptDataException Corrupt() => new("An encoded record is truncated or malformed.");
}
