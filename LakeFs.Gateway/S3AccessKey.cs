namespace LakeFs.Gateway;

/// <summary>A key pair S3 clients sign their requests with (AWS Signature Version 4).</summary>
/// <param name="AccessKeyId">The access key id a client sends in its credential scope.</param>
/// <param name="SecretAccessKey">The secret both sides sign with; never sent over the wire.</param>
public sealed record S3AccessKey(string AccessKeyId, string SecretAccessKey)
{
    /// <summary>Hides the secret from logs and debugger displays.</summary>
    public override string ToString() => $"S3AccessKey {{ AccessKeyId = {AccessKeyId} }}";
}
