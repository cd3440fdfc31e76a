namespace LakeFs.Core.Model;

/// <summary>What an acknowledged write survives.</summary>
public enum Durability
{
    /// <summary>
    /// Survives a killed process (default): files are renamed into place without fsync and SQLite runs in WAL
    /// with synchronous=NORMAL. A power loss may drop the last moments of acknowledged writes.
    /// </summary>
    ProcessCrash = 0,

    /// <summary>
    /// Survives a power loss: data and range files and their folders are fsynced before a write returns and SQLite
    /// runs with synchronous=FULL. Puts cost several times more on a local disk.
    /// </summary>
    PowerLoss = 1,
}
