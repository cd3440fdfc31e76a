namespace LakeFs.Storage;

/// <summary>Orders strings by their UTF-8 bytes; see <see cref="StorageKeys.Compare"/>.</summary>
internal sealed class Utf8KeyComparer : IComparer<string>
{
    public static Utf8KeyComparer Instance { get; } = new();

    private Utf8KeyComparer()
    {
    }

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }
        if (x is null)
        {
            return -1;
        }
        if (y is null)
        {
            return 1;
        }
        return StorageKeys.Compare(x, y);
    }
}
