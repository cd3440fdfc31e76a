namespace LakeFs.Core.Refs;

/// <summary>
/// When the ref database's write-ahead log is checkpointed: a background cycle after <paramref name="CycleFrames"/>
/// pages written by this process, and a checkpoint by the writer itself once the log file passes
/// <paramref name="CeilingBytes"/>. Tests shrink both to reach them in a few seconds.
/// </summary>
internal sealed record WalLimits(int CycleFrames, long CeilingBytes)
{
    /// <summary>16 MiB of 4 KiB pages between cycles (about 2,200 single-object puts); a 64 MiB ceiling.</summary>
    public static WalLimits Default { get; } = new(4096, 64L << 20);
}
