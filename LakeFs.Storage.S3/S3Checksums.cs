using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Amazon.S3;

namespace LakeFs.Storage.S3;

/// <summary>
/// Checks what S3 says it stored against what was sent: the ETag of a single-part upload or of one part is the MD5
/// of its bytes, unless the object is encrypted with KMS or a customer key (then it is opaque and not compared).
/// </summary>
internal static class S3Checksums
{
    /// <summary>The error to throw when the server's ETag is an MD5 that differs from the MD5 of <paramref name="sent"/>; null otherwise.</summary>
    [SuppressMessage("Security", "CA5351:Do Not Use Broken Cryptographic Algorithms", Justification = "S3 reports MD5 ETags; this checks transfer integrity, not security.")]
    public static StorageIntegrityException? Mismatch(
        string key, ReadOnlySpan<byte> sent, string? etag, ServerSideEncryptionMethod? encryption, string? customerKeyAlgorithm, bool chunkEncoding)
    {
        if (!string.IsNullOrEmpty(customerKeyAlgorithm)
            || encryption is not null && (encryption == ServerSideEncryptionMethod.AWSKMS || encryption == ServerSideEncryptionMethod.AWSKMSDSSE))
        {
            return null;
        }
        var stored = etag?.Trim('"');
        if (stored is not { Length: 2 * MD5.HashSizeInBytes } || !stored.All(char.IsAsciiHexDigit))
        {
            return null;
        }
        Span<byte> digest = stackalloc byte[MD5.HashSizeInBytes];
        MD5.HashData(sent, digest);
        var expected = Convert.ToHexStringLower(digest);
        if (string.Equals(stored, expected, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var fix = chunkEncoding
            ? " S3-compatible servers that store aws-chunked request bodies verbatim do this: set S3ObjectStoreOptions.UseChunkEncoding = false."
            : " Something between this process and the bucket altered the request body (a proxy, or a server that rewrites content)"
            + "; if this server's ETags are never the MD5 of the content, set S3ObjectStoreOptions.VerifyUploadETags = false.";
        return new StorageIntegrityException(
            $"S3 stored different bytes for '{key}' than were sent: its ETag is {stored}, the MD5 of the {sent.Length} bytes sent is {expected}; the upload was removed.{fix}");
    }
}
