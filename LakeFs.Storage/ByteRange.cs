namespace LakeFs.Storage;

/// <summary>A byte range of an object: <see cref="Length"/> bytes from <see cref="Offset"/>, or to the end when null.</summary>
public readonly record struct ByteRange
{
    /// <summary>Creates a range; offset and length must not be negative.</summary>
    public ByteRange(long offset, long? length = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (length is { } l)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(l, nameof(length));
        }
        Offset = offset;
        Length = length;
    }

    /// <summary>First byte of the range.</summary>
    public long Offset { get; }

    /// <summary>Number of bytes, or null for "to the end".</summary>
    public long? Length { get; }
}
