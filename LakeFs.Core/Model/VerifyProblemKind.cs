namespace LakeFs.Core.Model;

/// <summary>What <see cref="Repository.VerifyAsync"/> found wrong.</summary>
public enum VerifyProblemKind
{
    /// <summary>A branch, tag or commit names a commit the ref store does not hold.</summary>
    MissingCommit,

    /// <summary>A commit's row cannot be read, or its content does not hash to its id.</summary>
    CorruptCommit,

    /// <summary>A commit's metarange file is missing from the object store.</summary>
    MissingMetaRange,

    /// <summary>A metarange file is damaged (its bytes do not hash to its id, or it does not decode), or disagrees with a range it lists.</summary>
    CorruptMetaRange,

    /// <summary>A range file a metarange lists is missing from the object store.</summary>
    MissingRange,

    /// <summary>A range file is damaged: its bytes do not hash to its id, a block fails its checksum, or an entry does not decode.</summary>
    CorruptRange,

    /// <summary>An entry (committed or staged) names a data object the object store does not hold.</summary>
    MissingObject,

    /// <summary>A data object's size differs from the size recorded in its entry.</summary>
    ObjectSizeMismatch,

    /// <summary>A data object's SHA-256 differs from the checksum recorded in its entry (only with <see cref="VerifyOptions.CheckContent"/>).</summary>
    ObjectChecksumMismatch,

    /// <summary>A staged (uncommitted) entry does not decode.</summary>
    CorruptStagedEntry,

    /// <summary>The object store refused to read a file with an error that is not "missing" and not transient (for example a disk read error).</summary>
    UnreadableFile,
}
