using LakeFs.Core;
using LakeFs.Core.Model;
using LakeFs.Gateway.Auth;
using LakeFs.Gateway.Protocol;
using LakeFs.Storage;

namespace LakeFs.Gateway.Operations;

/// <summary>
/// Writes an object the way the library's direct-write path does: bytes to a fresh physical address (hashing SHA-256
/// for the entry and MD5 for the S3 ETag on the way), then <see cref="Repository.LinkObjectAsync"/>. If anything fails
/// before the link, the bytes are deleted, so a failed or aborted upload leaves nothing behind.
/// </summary>
internal sealed class ObjectWriter
{
    private readonly PutOptions _put;

    public ObjectWriter(bool durable) => _put = new PutOptions { Durable = durable };

    /// <param name="repository">Where to write.</param>
    /// <param name="branch">A branch (checked by the caller).</param>
    /// <param name="path">The object path.</param>
    /// <param name="content">The object's bytes.</param>
    /// <param name="options">Content type, user metadata, if-none-match.</param>
    /// <param name="expectedMd5">Content-MD5 sent by the client, checked before the object is linked.</param>
    /// <param name="etag">Gives the ETag to record once the bytes are written (and may refuse them by throwing); null records the MD5 of the bytes.</param>
    /// <param name="cancellationToken">Cancels the upload (a client that went away).</param>
    public async Task<ObjectInfo> WriteAsync(
        Repository repository, string branch, string path, Stream content, PutObjectOptions options,
        byte[]? expectedMd5, Func<string>? etag, CancellationToken cancellationToken)
    {
        var address = repository.CreatePhysicalAddress();
        var linked = false;
        try
        {
            using var hashing = new ObjectHashingStream(content);
            await repository.ObjectStore.PutAsync(address, hashing, _put, cancellationToken).ConfigureAwait(false);
            var md5 = hashing.Md5();
            if (expectedMd5 is not null && !md5.AsSpan().SequenceEqual(expectedMd5))
            {
                throw new S3Exception(400, "BadDigest", "The Content-MD5 you specified did not match what we received.");
            }
            var metadata = new Dictionary<string, string>(options.Metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal)
            {
                [ETags.MetadataKey] = etag is null ? SignatureV4.Hex(md5) : etag(),
            };
            // Not cancellable: once the entry may be staged, the bytes must stay.
            var info = await repository.LinkObjectAsync(
                branch, path, address, hashing.BytesRead, hashing.Sha256Hex(), options with { Metadata = metadata }, CancellationToken.None).ConfigureAwait(false);
            linked = true;
            return info;
        }
        finally
        {
            if (!linked)
            {
                await DeleteQuietlyAsync(repository, address).ConfigureAwait(false);
            }
        }
    }

    private static async Task DeleteQuietlyAsync(Repository repository, string address)
    {
        try
        {
            await repository.ObjectStore.DeleteAsync(address, CancellationToken.None).ConfigureAwait(false);
        }
        catch (StorageException)
        {
            // Unreferenced bytes under data/ are what garbage collection sweeps; the request's own error matters more.
        }
    }
}
