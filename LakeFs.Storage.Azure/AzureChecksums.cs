using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace LakeFs.Storage.Azure;

/// <summary>Checks the Content-MD5 Azure computes over a Put Blob or Put Block body against the bytes sent.</summary>
internal static class AzureChecksums
{
    /// <summary>The error to throw when the service returned an MD5 that differs from the MD5 of <paramref name="sent"/>; null otherwise (or when it returned none).</summary>
    [SuppressMessage("Security", "CA5351:Do Not Use Broken Cryptographic Algorithms", Justification = "Azure reports Content-MD5; this checks transfer integrity, not security.")]
    public static StorageIntegrityException? Mismatch(string key, ReadOnlySpan<byte> sent, byte[]? contentHash)
    {
        if (contentHash is not { Length: MD5.HashSizeInBytes })
        {
            return null;
        }
        Span<byte> digest = stackalloc byte[MD5.HashSizeInBytes];
        MD5.HashData(sent, digest);
        if (digest.SequenceEqual(contentHash))
        {
            return null;
        }
        return new StorageIntegrityException(
            $"Azure stored different bytes for '{key}' than were sent: the service's Content-MD5 is {Convert.ToHexStringLower(contentHash)}, "
            + $"the MD5 of the {sent.Length} bytes sent is {Convert.ToHexStringLower(digest)}; the upload was removed. "
            + "Something between this process and the account altered the request body (a proxy, or an emulator that rewrites content).");
    }
}
