using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Xml;
using LakeFs.Core;
using LakeFs.Core.Model;
using LakeFs.Gateway.Auth;
using LakeFs.Gateway.Hosting;
using LakeFs.Gateway.Protocol;
using LakeFs.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LakeFs.Gateway.Operations;

/// <summary>
/// Multipart uploads. An upload lives in the repository's own object store under <c>_gateway/uploads/&lt;id&gt;/</c>:
/// <c>upload.json</c> (key, content type, metadata) and one object per part (<c>00001</c>, <c>00002</c>, …), so uploads
/// survive a restart of the gateway and never touch a branch until they complete. Complete streams the listed parts,
/// in order, into one new object (checking each part's MD5 against the ETag the client listed) and links it on the
/// branch; complete and abort then delete the upload's objects. Uploads neither completed nor aborted are deleted
/// once older than <see cref="S3GatewayOptions.MultipartUploadExpiry"/>, swept when a new upload starts (at most
/// once an hour per repository).
/// </summary>
internal sealed class MultipartOperations
{
    public const string Prefix = "_gateway/uploads/";
    private const int MaxPartNumber = 10_000;
    private const long MinPartSize = 5L * 1024 * 1024;
    private const int MaxCompleteBodyBytes = 4 * 1024 * 1024;
    private static readonly TimeSpan SweepInterval = TimeSpan.FromHours(1);

    private readonly ObjectWriter _writer;
    private readonly TimeProvider _time;
    private readonly TimeSpan _expiry;
    private readonly ILogger _logger;
    private readonly Func<string, Repository> _repositories;
    private readonly Dictionary<Repository, DateTimeOffset> _lastSweep = [];

    public MultipartOperations(ObjectWriter writer, Func<string, Repository> repositories, TimeProvider time, TimeSpan expiry, ILogger logger)
    {
        _writer = writer;
        _repositories = repositories;
        _time = time;
        _expiry = expiry;
        _logger = logger;
    }

    public async Task CreateAsync(HttpContext context, Repository repository, string bucket, string key)
    {
        var cancellationToken = context.RequestAborted;
        var options = ObjectHeaders.ReadOptions(context.Request);
        await Branches.ResolveAsync(repository, key, cancellationToken).ConfigureAwait(false);
        var uploadId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var upload = new MultipartUpload(key, options.ContentType, new Dictionary<string, string>(options.Metadata!, StringComparer.Ordinal), _time.GetUtcNow());
        using (var json = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(upload, GatewayJsonContext.Default.MultipartUpload)))
        {
            await repository.ObjectStore.PutAsync(ManifestKey(uploadId), json, PutOptions.Default, cancellationToken).ConfigureAwait(false);
        }
        SweepExpiredInBackground(repository);
        await S3Xml.WriteAsync(context.Response, 200, "InitiateMultipartUploadResult", w =>
        {
            w.WriteElementString("Bucket", bucket);
            w.WriteElementString("Key", key);
            w.WriteElementString("UploadId", uploadId);
        }).ConfigureAwait(false);
    }

    public async Task UploadPartAsync(HttpContext context, Repository repository, string key, S3Request request, Stream body)
    {
        var cancellationToken = context.RequestAborted;
        var uploadId = request.Get("uploadId")!;
        var partNumber = PartNumber(request.Get("partNumber"));
        await ReadUploadAsync(repository, uploadId, key, cancellationToken).ConfigureAwait(false);
        var md5 = await StorePartAsync(repository, uploadId, partNumber, body, ObjectHeaders.ContentMd5(context.Request), cancellationToken).ConfigureAwait(false);
        context.Response.Headers.ETag = "\"" + SignatureV4.Hex(md5) + "\"";
        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    /// <summary>
    /// UploadPartCopy: the part's bytes come from an existing object (any ref of any served repository), all of it or
    /// the byte range <c>x-amz-copy-source-range: bytes=first-last</c>. The bytes are copied into the part, since
    /// Complete joins parts into one new object anyway.
    /// </summary>
    public async Task UploadPartCopyAsync(HttpContext context, Repository repository, string key, S3Request request, string copySource)
    {
        var cancellationToken = context.RequestAborted;
        var uploadId = request.Get("uploadId")!;
        var partNumber = PartNumber(request.Get("partNumber"));
        await ReadUploadAsync(repository, uploadId, key, cancellationToken).ConfigureAwait(false);
        var (sourceRepository, source) = await CopySource.ResolveAsync(context, copySource, _repositories, cancellationToken).ConfigureAwait(false);
        var range = CopySourceRange(context.Request.Headers["x-amz-copy-source-range"].ToString(), source.Size);
        byte[] md5;
        var stream = await sourceRepository.OpenReadAsync(source, range, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            md5 = await StorePartAsync(repository, uploadId, partNumber, stream, null, cancellationToken).ConfigureAwait(false);
        }
        await S3Xml.WriteAsync(context.Response, 200, "CopyPartResult", w =>
        {
            w.WriteElementString("LastModified", S3Xml.Timestamp(_time.GetUtcNow()));
            w.WriteElementString("ETag", "\"" + SignatureV4.Hex(md5) + "\"");
        }).ConfigureAwait(false);
    }

    /// <summary>Stores part <paramref name="partNumber"/> (replacing an earlier one of that number); returns its MD5, refused when it differs from <paramref name="expectedMd5"/>.</summary>
    private static async Task<byte[]> StorePartAsync(
        Repository repository, string uploadId, int partNumber, Stream bytes, byte[]? expectedMd5, CancellationToken cancellationToken)
    {
        using var hashing = new ObjectHashingStream(bytes);
        var partKey = PartKey(uploadId, partNumber);
        await repository.ObjectStore.PutAsync(partKey, hashing, PutOptions.Default, cancellationToken).ConfigureAwait(false);
        var actual = hashing.Md5();
        if (expectedMd5 is not null && !actual.AsSpan().SequenceEqual(expectedMd5))
        {
            await repository.ObjectStore.DeleteAsync(partKey, CancellationToken.None).ConfigureAwait(false);
            throw new S3Exception(400, "BadDigest", "The Content-MD5 you specified did not match what we received.");
        }
        return actual;
    }

    /// <summary>
    /// The byte range of <c>x-amz-copy-source-range</c>, which S3 accepts only as <c>bytes=first-last</c> inside the
    /// source; null (the whole source) when absent.
    /// </summary>
    private static ByteRange? CopySourceRange(string header, long size)
    {
        if (header.Length == 0)
        {
            return null;
        }
        var dash = header.IndexOf('-', StringComparison.Ordinal);
        if (!header.StartsWith("bytes=", StringComparison.Ordinal) || dash < 0
            || !long.TryParse(header.AsSpan(6, dash - 6), NumberStyles.None, CultureInfo.InvariantCulture, out var first)
            || !long.TryParse(header.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var last)
            || last < first)
        {
            throw S3Exception.InvalidArgument($"x-amz-copy-source-range must be bytes=first-last, not '{header}'.");
        }
        if (last >= size)
        {
            throw new S3Exception(416, "InvalidRange", $"The range {header} reaches past the source's {size} bytes.");
        }
        return new ByteRange(first, last - first + 1);
    }

    public async Task CompleteAsync(HttpContext context, Repository repository, string bucket, string key, S3Request request, Stream body)
    {
        var cancellationToken = context.RequestAborted;
        var uploadId = request.Get("uploadId")!;
        var upload = await ReadUploadAsync(repository, uploadId, key, cancellationToken).ConfigureAwait(false);
        var listed = await ReadPartListAsync(body, cancellationToken).ConfigureAwait(false);
        if (listed.Count == 0)
        {
            throw new S3Exception(400, "MalformedXML", "CompleteMultipartUpload must list at least one part.");
        }
        var stored = await ListPartsAsync(repository, uploadId, cancellationToken).ConfigureAwait(false);
        var keys = new List<string>(listed.Count);
        for (var i = 0; i < listed.Count; i++)
        {
            var (number, _) = listed[i];
            if (i > 0 && number <= listed[i - 1].Number)
            {
                throw new S3Exception(400, "InvalidPartOrder", "The list of parts was not in ascending order.");
            }
            if (!stored.TryGetValue(number, out var part))
            {
                throw new S3Exception(400, "InvalidPart", $"Part {number} was not uploaded.");
            }
            if (i < listed.Count - 1 && part.Size < MinPartSize)
            {
                throw new S3Exception(400, "EntityTooSmall", $"Part {number} has {part.Size} bytes; every part but the last needs at least {MinPartSize}.");
            }
            keys.Add(part.Key);
        }

        var (branch, path) = await Branches.ResolveAsync(repository, key, cancellationToken).ConfigureAwait(false);
        var options = new PutObjectOptions { ContentType = upload.ContentType, Metadata = upload.Metadata };
        using var parts = new PartsStream(repository.ObjectStore, keys);
        // The ETag is known only once the parts are read, and the parts' MD5s are checked then: the writer links the
        // object only if this callback accepts them.
        var info = await _writer.WriteAsync(repository, branch, path, parts, options, null, () =>
        {
            var md5s = parts.PartMd5s;
            for (var i = 0; i < listed.Count; i++)
            {
                if (!ETags.Matches(listed[i].ETag, "\"" + SignatureV4.Hex(md5s[i]) + "\""))
                {
                    throw new S3Exception(400, "InvalidPart", $"Part {listed[i].Number}'s ETag {listed[i].ETag} is not the MD5 of its bytes.");
                }
            }
            return SignatureV4.Hex(MD5.HashData(md5s.SelectMany(m => m).ToArray())) + "-" + listed.Count.ToString(CultureInfo.InvariantCulture);
        }, cancellationToken).ConfigureAwait(false);
        await DeleteUploadAsync(repository, uploadId).ConfigureAwait(false);
        await S3Xml.WriteAsync(context.Response, 200, "CompleteMultipartUploadResult", w =>
        {
            w.WriteElementString("Location", $"/{bucket}/{key}");
            w.WriteElementString("Bucket", bucket);
            w.WriteElementString("Key", key);
            w.WriteElementString("ETag", ETags.Of(info));
        }).ConfigureAwait(false);
    }

    public async Task AbortAsync(HttpContext context, Repository repository, string key, S3Request request)
    {
        var uploadId = request.Get("uploadId")!;
        await ReadUploadAsync(repository, uploadId, key, context.RequestAborted).ConfigureAwait(false);
        await DeleteUploadAsync(repository, uploadId).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>ListParts. Part ETags are not stored, so each listed part is read to compute its MD5.</summary>
    public async Task ListPartsAsync(HttpContext context, Repository repository, string bucket, string key, S3Request request)
    {
        var cancellationToken = context.RequestAborted;
        var uploadId = request.Get("uploadId")!;
        await ReadUploadAsync(repository, uploadId, key, cancellationToken).ConfigureAwait(false);
        var maxParts = Listing.PageSize(request, "max-parts", minimum: 1);
        var marker = request.Get("part-number-marker") is { Length: > 0 } markerText ? PartNumber(markerText) : 0;
        var stored = await ListPartsAsync(repository, uploadId, cancellationToken).ConfigureAwait(false);
        var page = stored.Values.Where(p => p.Number > marker).OrderBy(p => p.Number).Take(maxParts + 1).ToList();
        var truncated = page.Count > maxParts;
        page = page.Take(maxParts).ToList();
        var etags = new List<string>(page.Count);
        foreach (var part in page)
        {
            var stream = await repository.ObjectStore.OpenReadAsync(part.Key, null, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                etags.Add("\"" + SignatureV4.Hex(await MD5.HashDataAsync(stream, cancellationToken).ConfigureAwait(false)) + "\"");
            }
        }
        await S3Xml.WriteAsync(context.Response, 200, "ListPartsResult", w =>
        {
            w.WriteElementString("Bucket", bucket);
            w.WriteElementString("Key", key);
            w.WriteElementString("UploadId", uploadId);
            w.WriteElementString("PartNumberMarker", S3Xml.Number(marker));
            if (truncated)
            {
                w.WriteElementString("NextPartNumberMarker", S3Xml.Number(page[^1].Number));
            }
            w.WriteElementString("MaxParts", S3Xml.Number(maxParts));
            w.WriteElementString("IsTruncated", truncated ? "true" : "false");
            w.WriteElementString("StorageClass", "STANDARD");
            for (var i = 0; i < page.Count; i++)
            {
                w.WriteStartElement("Part");
                w.WriteElementString("PartNumber", S3Xml.Number(page[i].Number));
                w.WriteElementString("LastModified", S3Xml.Timestamp(page[i].LastModified));
                w.WriteElementString("ETag", etags[i]);
                w.WriteElementString("Size", S3Xml.Number(page[i].Size));
                w.WriteEndElement();
            }
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// ListMultipartUploads (GET ?uploads): the uploads neither completed nor aborted, by key (UTF-8 order) then upload
    /// id, with prefix, delimiter, key-marker, upload-id-marker, max-uploads and url encoding as S3 has them. Each
    /// upload's manifest is read, so a listing costs one read per upload in progress.
    /// </summary>
    public static async Task ListUploadsAsync(HttpContext context, Repository repository, string bucket, S3Request request)
    {
        var cancellationToken = context.RequestAborted;
        var prefix = request.Get("prefix") ?? "";
        var delimiter = request.Get("delimiter") is { Length: > 0 } d ? d : null;
        var keyMarker = request.Get("key-marker") ?? "";
        var uploadIdMarker = keyMarker.Length > 0 ? request.Get("upload-id-marker") ?? "" : "";
        var maxUploads = Listing.PageSize(request, "max-uploads", minimum: 1);
        var url = Listing.UrlEncoded(request);
        string Encode(string value) => Listing.Encode(value, url);

        var uploads = new List<(string Key, string UploadId, DateTimeOffset Initiated)>();
        await foreach (var stat in repository.ObjectStore.ListAsync(Prefix, null, cancellationToken).ConfigureAwait(false))
        {
            if (stat.Key.EndsWith("/upload.json", StringComparison.Ordinal)
                && await ReadManifestAsync(repository, stat.Key[Prefix.Length..^"/upload.json".Length], cancellationToken).ConfigureAwait(false) is { } upload
                && upload.Manifest.Key.StartsWith(prefix, StringComparison.Ordinal))
            {
                uploads.Add((upload.Manifest.Key, upload.UploadId, upload.Manifest.Initiated));
            }
        }
        uploads.Sort((a, b) => StorageKeys.Compare(a.Key, b.Key) is var byKey && byKey != 0 ? byKey : string.CompareOrdinal(a.UploadId, b.UploadId));

        var listed = new List<(string Key, string UploadId, DateTimeOffset Initiated)>();
        var commonPrefixes = new List<string>();
        var truncated = false;
        string? nextKey = null, nextUploadId = null;
        foreach (var upload in uploads)
        {
            var comparison = StorageKeys.Compare(upload.Key, keyMarker);
            if (keyMarker.Length > 0 && (comparison < 0 || comparison == 0 && string.CompareOrdinal(upload.UploadId, uploadIdMarker) <= 0
                || delimiter is not null && keyMarker.EndsWith(delimiter, StringComparison.Ordinal) && upload.Key.StartsWith(keyMarker, StringComparison.Ordinal)))
            {
                continue;
            }
            var commonPrefix = Listing.CommonPrefix(upload.Key, prefix, delimiter);
            if (commonPrefix is not null && commonPrefixes.Count > 0 && commonPrefixes[^1] == commonPrefix)
            {
                continue;
            }
            if (listed.Count + commonPrefixes.Count == maxUploads)
            {
                truncated = true;
                break;
            }
            if (commonPrefix is not null)
            {
                commonPrefixes.Add(commonPrefix);
                (nextKey, nextUploadId) = (commonPrefix, null);
            }
            else
            {
                listed.Add(upload);
                (nextKey, nextUploadId) = (upload.Key, upload.UploadId);
            }
        }

        await S3Xml.WriteAsync(context.Response, 200, "ListMultipartUploadsResult", w =>
        {
            w.WriteElementString("Bucket", bucket);
            w.WriteElementString("KeyMarker", Encode(keyMarker));
            w.WriteElementString("UploadIdMarker", uploadIdMarker);
            if (truncated)
            {
                w.WriteElementString("NextKeyMarker", Encode(nextKey!));
                w.WriteElementString("NextUploadIdMarker", nextUploadId ?? "");
            }
            Listing.WriteEncodingType(w, url);
            w.WriteElementString("Prefix", Encode(prefix));
            if (delimiter is not null)
            {
                w.WriteElementString("Delimiter", Encode(delimiter));
            }
            w.WriteElementString("MaxUploads", S3Xml.Number(maxUploads));
            w.WriteElementString("IsTruncated", truncated ? "true" : "false");
            foreach (var upload in listed)
            {
                w.WriteStartElement("Upload");
                w.WriteElementString("Key", Encode(upload.Key));
                w.WriteElementString("UploadId", upload.UploadId);
                w.WriteElementString("StorageClass", "STANDARD");
                w.WriteElementString("Initiated", S3Xml.Timestamp(upload.Initiated));
                w.WriteEndElement();
            }
            Listing.WriteCommonPrefixes(w, commonPrefixes, url);
        }).ConfigureAwait(false);
    }

    /// <summary>Deletes every upload of <paramref name="repository"/> created before <paramref name="before"/>; returns how many.</summary>
    public static async Task<int> DeleteUploadsOlderThanAsync(Repository repository, DateTimeOffset before, CancellationToken cancellationToken)
    {
        var expired = new List<string>();
        await foreach (var stat in repository.ObjectStore.ListAsync(Prefix, null, cancellationToken).ConfigureAwait(false))
        {
            if (stat.Key.EndsWith("/upload.json", StringComparison.Ordinal) && stat.LastModified < before)
            {
                expired.Add(stat.Key[Prefix.Length..^"/upload.json".Length]);
            }
        }
        foreach (var uploadId in expired)
        {
            await DeleteUploadAsync(repository, uploadId).ConfigureAwait(false);
        }
        return expired.Count;
    }

    private void SweepExpiredInBackground(Repository repository)
    {
        var now = _time.GetUtcNow();
        lock (_lastSweep)
        {
            if (_lastSweep.TryGetValue(repository, out var last) && now - last < SweepInterval)
            {
                return;
            }
            _lastSweep[repository] = now;
        }
        _ = Task.Run(async () =>
        {
            try
            {
                var deleted = await DeleteUploadsOlderThanAsync(repository, now - _expiry, CancellationToken.None).ConfigureAwait(false);
                if (deleted > 0)
                {
                    _logger.LogInformation("S3 gateway: deleted {Count} multipart uploads older than {Expiry}", deleted, _expiry);
                }
            }
            catch (Exception e) when (e is StorageException or ObjectDisposedException)
            {
                _logger.LogWarning(e, "S3 gateway: sweeping expired multipart uploads failed; the next upload tries again in an hour");
            }
        });
    }

    private static async Task<MultipartUpload> ReadUploadAsync(Repository repository, string uploadId, string key, CancellationToken cancellationToken)
    {
        if (uploadId.Length != 32 || !uploadId.All(c => char.IsAsciiHexDigitLower(c) || char.IsAsciiDigit(c)))
        {
            throw NoSuchUpload(uploadId);
        }
        var upload = await ReadManifestAsync(repository, uploadId, cancellationToken).ConfigureAwait(false);
        return upload is { Manifest: var manifest } && manifest.Key == key ? manifest : throw NoSuchUpload(uploadId);
    }

    /// <summary>The upload's manifest, or null when the upload is gone (completed, aborted or swept).</summary>
    private static async Task<(string UploadId, MultipartUpload Manifest)?> ReadManifestAsync(Repository repository, string uploadId, CancellationToken cancellationToken)
    {
        try
        {
            var stream = await repository.ObjectStore.OpenReadAsync(ManifestKey(uploadId), null, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var manifest = await JsonSerializer.DeserializeAsync(stream, GatewayJsonContext.Default.MultipartUpload, cancellationToken).ConfigureAwait(false);
                return manifest is null ? null : (uploadId, manifest);
            }
        }
        catch (Exception e) when (e is StorageKeyNotFoundException or JsonException)
        {
            // Gone, or a manifest cut short by a crash: no upload a client can continue.
            return null;
        }
    }

    private static async Task<Dictionary<int, (int Number, string Key, long Size, DateTimeOffset LastModified)>> ListPartsAsync(
        Repository repository, string uploadId, CancellationToken cancellationToken)
    {
        var parts = new Dictionary<int, (int, string, long, DateTimeOffset)>();
        var prefix = Prefix + uploadId + "/";
        await foreach (var stat in repository.ObjectStore.ListAsync(prefix, null, cancellationToken).ConfigureAwait(false))
        {
            if (int.TryParse(stat.Key.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                parts[number] = (number, stat.Key, stat.Size, stat.LastModified);
            }
        }
        return parts;
    }

    private static async Task<List<(int Number, string ETag)>> ReadPartListAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int n;
        while ((n = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > MaxCompleteBodyBytes)
            {
                throw new S3Exception(400, "MalformedXML", $"The CompleteMultipartUpload request is larger than {MaxCompleteBodyBytes} bytes.");
            }
            buffer.Write(chunk, 0, n);
        }
        buffer.Position = 0;
        var parts = new List<(int, string)>();
        try
        {
            using var reader = XmlReader.Create(buffer, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            int? number = null;
            string? etag = null;
            reader.Read();
            while (!reader.EOF)
            {
                // ReadElementContentAsString moves to the node after the element: read on only when it was not used.
                if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "PartNumber")
                {
                    number = PartNumber(reader.ReadElementContentAsString().Trim());
                }
                else if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "ETag")
                {
                    etag = reader.ReadElementContentAsString().Trim();
                }
                else
                {
                    if (reader.NodeType == XmlNodeType.EndElement && reader.LocalName == "Part")
                    {
                        parts.Add((number ?? throw new S3Exception(400, "MalformedXML", "A listed part has no PartNumber."), etag ?? ""));
                        (number, etag) = (null, null);
                    }
                    reader.Read();
                }
            }
        }
        catch (XmlException e)
        {
            throw new S3Exception(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.", e);
        }
        return parts;
    }

    private static async Task DeleteUploadAsync(Repository repository, string uploadId)
    {
        var keys = new List<string>();
        await foreach (var stat in repository.ObjectStore.ListAsync(Prefix + uploadId + "/", null, CancellationToken.None).ConfigureAwait(false))
        {
            keys.Add(stat.Key);
        }
        // The manifest last: an upload whose parts are half deleted is still found, and deleted, by the next sweep.
        foreach (var key in keys.OrderBy(k => k.EndsWith("/upload.json", StringComparison.Ordinal)))
        {
            await repository.ObjectStore.DeleteAsync(key, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static int PartNumber(string? text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is >= 1 and <= MaxPartNumber
            ? number
            : throw S3Exception.InvalidArgument($"Part number must be an integer between 1 and {MaxPartNumber}, inclusive; '{text}' is not.");

    private static string ManifestKey(string uploadId) => Prefix + uploadId + "/upload.json";

    private static string PartKey(string uploadId, int partNumber) =>
        Prefix + uploadId + "/" + partNumber.ToString("D5", CultureInfo.InvariantCulture);

    private static S3Exception NoSuchUpload(string uploadId) =>
        new(404, "NoSuchUpload", $"The specified multipart upload does not exist: '{uploadId}' was never created here, or was completed or aborted.");
}
