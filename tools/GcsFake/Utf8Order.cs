namespace GcsFake;

/// <summary>GCS lists names in UTF-8 byte order, which differs from UTF-16 order above U+FFFF.</summary>
internal sealed class Utf8Order : IComparer<string>
{
    public static Utf8Order Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        var a = System.Text.Encoding.UTF8.GetBytes(x ?? "");
        var b = System.Text.Encoding.UTF8.GetBytes(y ?? "");
        return a.AsSpan().SequenceCompareTo(b);
    }
}
