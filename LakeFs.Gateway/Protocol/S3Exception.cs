namespace LakeFs.Gateway.Protocol;

/// <summary>A request the gateway refuses, with the S3 error code and HTTP status it answers with.</summary>
internal sealed class S3Exception : Exception
{
    public S3Exception(int status, string code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Status = status;
        Code = code;
    }

    public S3Exception()
        : this(500, "InternalError", "We encountered an internal error. Please try again.")
    {
    }

    public S3Exception(string message)
        : this(400, "InvalidRequest", message)
    {
    }

    public S3Exception(string message, Exception innerException)
        : this(400, "InvalidRequest", message, innerException)
    {
    }

    public int Status { get; }

    public string Code { get; }

    public static S3Exception AccessDenied(string message) => new(403, "AccessDenied", message);

    public static S3Exception SignatureDoesNotMatch(string message) => new(403, "SignatureDoesNotMatch", message);

    public static S3Exception InvalidArgument(string message) => new(400, "InvalidArgument", message);

    public static S3Exception NoSuchBucket(string bucket) =>
        new(404, "NoSuchBucket", $"The specified bucket does not exist: no repository '{bucket}' is served by this gateway.");

    public static S3Exception NoSuchKey(string message) => new(404, "NoSuchKey", message);

    public static S3Exception NotImplemented(string what) => new(501, "NotImplemented", $"{what} is not implemented by the LakeFs S3 gateway.");
}
