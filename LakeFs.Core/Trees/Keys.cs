namespace LakeFs.Core.Trees;

/// <summary>Key arithmetic on byte-ordered keys.</summary>
internal static class Keys
{
    /// <summary>The smallest key after <paramref name="key"/>.</summary>
    public static byte[] Successor(byte[] key) => [.. key, 0];

    /// <summary>The smallest key after every key that starts with <paramref name="prefix"/>.</summary>
    public static byte[] PrefixEnd(byte[] prefix)
    {
        var end = (byte[])prefix.Clone();
        for (var i = end.Length - 1; i >= 0; i--)
        {
            if (end[i] != 0xFF)
            {
                end[i]++;
                return end[..(i + 1)];
            }
        }
        return [.. prefix, 0xFF];
    }
}
