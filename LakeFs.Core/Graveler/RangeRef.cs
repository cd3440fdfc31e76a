using System.Buffers;

namespace LakeFs.Core.Graveler;

/// <summary>One record of a metarange: a range file and the keys it covers.</summary>
internal sealed record RangeRef(string Id, byte[] MinKey, byte[] MaxKey, long Count, long Bytes)
{
    /// <summary>The metarange value of this record (the key is <see cref="MaxKey"/>).</summary>
    public byte[] EncodeValue()
    {
        var writer = new ArrayBufferWriter<byte>(64 + MinKey.Length);
        writer.WriteBytes(Convert.FromHexString(Id));
        writer.WriteBytes(MinKey);
        writer.WriteVarInt64(Count);
        writer.WriteVarInt64(Bytes);
        return writer.WrittenSpan.ToArray();
    }

    public static RangeRef Decode(ReadOnlySpan<byte> maxKey, ReadOnlySpan<byte> value)
    {
        var reader = new SpanReader(value);
        var id = Convert.ToHexStringLower(reader.ReadBytes());
        var minKey = reader.ReadBytes().ToArray();
        var count = reader.ReadVarInt64();
        var bytes = reader.ReadVarInt64();
        return new RangeRef(id, minKey, maxKey.ToArray(), count, bytes);
    }
}
