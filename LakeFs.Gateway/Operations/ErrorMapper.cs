using LakeFs.Core.Errors;
using LakeFs.Gateway.Protocol;
using LakeFs.Storage;

namespace LakeFs.Gateway.Operations;

/// <summary>Maps the library's typed exceptions to the S3 error a client understands.</summary>
internal static class ErrorMapper
{
    /// <summary>The S3 error for <paramref name="exception"/>, or null when it is not one the gateway expects (an internal error).</summary>
    /// <param name="exception">What the library threw.</param>
    /// <param name="write">Whether the request writes: a bad ref or name in a read is a missing key, in a write a bad argument.</param>
    public static S3Exception? Map(Exception exception, bool write) => exception switch
    {
        S3Exception s3 => s3,
        ObjectNotFoundException or RefNotFoundException => S3Exception.NoSuchKey(exception.Message),
        InvalidNameException or InvalidRefException when !write => S3Exception.NoSuchKey(exception.Message),
        InvalidMetadataException => new S3Exception(400, "InvalidArgument", exception.Message),
        InvalidNameException or InvalidRefException or InvalidPathException or InvalidStorageKeyException =>
            S3Exception.InvalidArgument(exception.Message),
        ObjectAlreadyExistsException => new S3Exception(412, "PreconditionFailed", exception.Message),
        ProtectedBranchException => S3Exception.AccessDenied(exception.Message),
        ConflictException => new S3Exception(409, "OperationAborted", exception.Message),
        TransientStorageException => new S3Exception(503, "SlowDown", "The repository's object store is busy; retry the request."),
        ArgumentException => S3Exception.InvalidArgument(exception.Message),
        _ => null,
    };
}
