namespace LakeFs.Core.Model;

/// <summary>Options of <see cref="Repository.VerifyAsync"/>.</summary>
public sealed record VerifyOptions
{
    /// <summary>
    /// Check that every data object an entry names exists in the object store with the recorded size (default on;
    /// one stat per distinct object). Off, only commits, metaranges and ranges are checked.
    /// </summary>
    public bool CheckObjects { get; init; } = true;

    /// <summary>
    /// Also read every data object and compare its SHA-256 with the recorded checksum (default off: it reads every
    /// byte of the repository). Objects whose checksum is not 64 hex digits (some direct writes) get the size check only.
    /// Needs <see cref="CheckObjects"/>.
    /// </summary>
    public bool CheckContent { get; init; }

    /// <summary>Data objects checked at once (default 16): stats or reads in flight against the object store.</summary>
    public int MaxParallelism { get; init; } = 16;

    /// <summary>
    /// Problems kept in <see cref="VerifyReport.Problems"/> (default 10,000); further ones are only counted in
    /// <see cref="VerifyReport.ProblemCount"/>, so a repository whose object store was lost does not fill memory.
    /// </summary>
    public int MaxProblems { get; init; } = 10_000;
}
