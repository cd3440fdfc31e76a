namespace LakeFs.Core.Gc;

/// <summary>A marked data address: its hour partition and its 128-bit id. Orders by hour, then id: the order a listing of the partitions returns.</summary>
internal readonly record struct Mark(ulong Hour, UInt128 Id) : IComparable<Mark>
{
    public int CompareTo(Mark other)
    {
        var byHour = Hour.CompareTo(other.Hour);
        return byHour != 0 ? byHour : Id.CompareTo(other.Id);
    }
}
