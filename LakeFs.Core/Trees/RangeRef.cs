using System.Buffers;

namespace LakeFs.Core.Trees;

/// <summary>One record of a metarange: a range file and the keys it covers.</summary>
internal sealed record RangeRef(string Id, byte[] MinKey, byte[] MaxKey, long Count, long Bytes)
{
    /// <summary>Appends the metarange value of this record (the key is <see cref="MaxKey"/>) to <paramref name="writer"/>.</summary>
    public void EncodeValue(IBufferWriter<byte> writer)
    {
        Span<byte> id = stackalloc byte[Id.Length / 2];
        Convert.FromHexString(Id, id, out _, out var written);
        writer.WriteBytes(id[..written]);
        writer.WriteBytes(MinKey);
        writer.WriteVarInt64(Count);
        writer.WriteVarInt64(Bytes);
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
