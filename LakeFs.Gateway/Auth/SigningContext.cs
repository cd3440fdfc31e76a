namespace LakeFs.Gateway.Auth;

/// <summary>What a verified request was signed with: needed again to check the signature of each aws-chunked chunk.</summary>
/// <param name="AccessKeyId">The key the request was signed with.</param>
/// <param name="SigningKey">HMAC key derived from the secret, date, region and service.</param>
/// <param name="AmzDate">The request time as signed (yyyyMMddTHHmmssZ).</param>
/// <param name="Scope">date/region/s3/aws4_request.</param>
/// <param name="Signature">The request's seed signature (lowercase hex).</param>
/// <param name="PayloadHash">The x-amz-content-sha256 the request was signed with.</param>
internal sealed record SigningContext(string AccessKeyId, byte[] SigningKey, string AmzDate, string Scope, string Signature, string PayloadHash);
