using Amazon.Runtime;

namespace LakeFs.Storage.S3;

/// <summary>Options of <see cref="S3ObjectStore"/>.</summary>
public sealed record S3ObjectStoreOptions
{
    /// <summary>The smallest part S3 accepts in a multipart upload (all parts but the last).</summary>
    public const int MinPartSize = 5 * 1024 * 1024;

    /// <summary>
    /// Size of one upload part, and the multipart threshold: an object no larger than one part goes up in a single
    /// PUT, a larger one in a multipart upload of parts of this size. At most two parts are held in memory. Default 8 MiB.
    /// </summary>
    public int PartSize { get; init; } = 8 * 1024 * 1024;

    /// <summary>
    /// Send request bodies as <c>aws-chunked</c> (the SDK's default). Some S3-compatible servers (s3rver, for one) store
    /// such bodies verbatim over plain HTTP, chunk sizes and signatures included; set <c>false</c> for them. Such a
    /// server is detected: an upload whose ETag is not the MD5 of the bytes sent fails with
    /// <see cref="StorageIntegrityException"/>, and so does creating or opening a repository over it.
    /// </summary>
    public bool UseChunkEncoding { get; init; } = true;

    /// <summary>
    /// Compare the ETag S3 returns for a single-part upload and for each part with the MD5 of the bytes sent, and fail
    /// with <see cref="StorageIntegrityException"/> (removing the object) when they differ. Default on. Objects encrypted
    /// with SSE-KMS or a customer key are not compared (their ETag is not an MD5); set <c>false</c> for an S3-compatible
    /// server whose ETags are never the MD5 of the content.
    /// </summary>
    public bool VerifyUploadETags { get; init; } = true;

    /// <summary>Endpoint of an S3-compatible service (for example MinIO); null for AWS. Used only when the store builds its own client.</summary>
    public Uri? ServiceUrl { get; init; }

    /// <summary>AWS region (for example "eu-west-1"). Used only when the store builds its own client.</summary>
    public string? Region { get; init; }

    /// <summary>Use path-style addressing (<c>host/bucket/key</c>). Used only when the store builds its own client; S3-compatible services usually need it.</summary>
    public bool ForcePathStyle { get; init; }

    /// <summary>Credentials; null uses the SDK's default chain. Used only when the store builds its own client.</summary>
    public AWSCredentials? Credentials { get; init; }

    /// <summary>Clock used to stamp the <see cref="ObjectStat.LastModified"/> a put returns (S3 does not send it back).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
