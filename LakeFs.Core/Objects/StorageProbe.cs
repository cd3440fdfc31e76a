using LakeFs.Core.Diagnostics;
using System.Text;
using LakeFs.Storage;
using Microsoft.Extensions.Logging;

namespace LakeFs.Core.Objects;

/// <summary>
/// Writes a small object <c>_lakefs/probe-&lt;id&gt;</c>, reads it back and deletes it, so that a store which alters
/// bodies (an S3-compatible server keeping <c>aws-chunked</c> framing in the object, a rewriting proxy) is refused
/// when a repository is created or opened, before anything is written to it, instead of surfacing later as a
/// corrupt range.
/// </summary>
internal static class StorageProbe
{
    private const string Prefix = "_lakefs/probe-";
    private const int Size = 512;

    /// <summary>
    /// Runs the probe. When <paramref name="mustWrite"/> is false (opening), a store that refuses the write (read-only
    /// credentials) is logged and accepted: uploads are verified on their own when they happen.
    /// </summary>
    /// <exception cref="StorageIntegrityException">The store gave back other bytes than it was given.</exception>
    public static async Task CheckAsync(IObjectStore store, bool mustWrite, ILogger logger, CancellationToken cancellationToken)
    {
        var key = Prefix + Guid.NewGuid().ToString("N");
        // Every byte value once (catches a store that transcodes text), then random bytes (catches one that caches by length).
        var expected = new byte[Size];
        for (var i = 0; i < 256; i++)
        {
            expected[i] = (byte)i;
        }
        Random.Shared.NextBytes(expected.AsSpan(256));
        try
        {
            using var body = new MemoryStream(expected, writable: false);
            await store.PutAsync(key, body, PutOptions.Default, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException e) when (!mustWrite && e is not StorageIntegrityException)
        {
            logger.ProbeWriteFailed(e, key);
            return;
        }
        try
        {
            var actual = await ReadAsync(store, key, cancellationToken).ConfigureAwait(false);
            if (!actual.AsSpan().SequenceEqual(expected))
            {
                throw new StorageIntegrityException(
                    $"The object store gave back other bytes than were written to it: a {Size}-byte check object '{key}' read back as "
                    + $"{actual.Length} bytes starting \"{Printable(actual)}\". S3-compatible servers that store aws-chunked request bodies "
                    + "verbatim do this (the bytes start with a chunk size and \";chunk-signature=\"): set S3ObjectStoreOptions.UseChunkEncoding = false. "
                    + "The repository was not touched.");
            }
        }
        finally
        {
            try
            {
                await store.DeleteAsync(key, CancellationToken.None).ConfigureAwait(false);
            }
            catch (StorageException e)
            {
                logger.ProbeDeleteFailed(e, key);
            }
        }
    }

    private static async Task<byte[]> ReadAsync(IObjectStore store, string key, CancellationToken cancellationToken)
    {
        var stream = await store.OpenReadAsync(key, null, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var copy = new MemoryStream(Size);
            await stream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
            return copy.ToArray();
        }
    }

    /// <summary>The first bytes as text, with anything outside printable ASCII escaped.</summary>
    private static string Printable(byte[] bytes)
    {
        var text = new StringBuilder();
        foreach (var b in bytes.AsSpan(0, Math.Min(bytes.Length, 48)))
        {
            text.Append(b is >= 0x20 and < 0x7F and not (byte)'"' and not (byte)'\\' ? (char)b : $"\\x{b:x2}");
        }
        return text.ToString();
    }
}
