using System.IO.Compression;
using System.Text.Json;
using GcsFake;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;

// A local stand-in for the parts of the Google Cloud Storage JSON API that Google.Cloud.Storage.V1 uses:
// buckets (create/get), media and resumable uploads, ifGenerationMatch, media downloads with Range and x-goog-hash,
// metadata get, list (prefix, delimiter, startOffset, endOffset, maxResults, pageToken) and delete.
// Usage: GcsFake [--urls http://127.0.0.1:0]. Prints "GCS fake listening on <url>" once it accepts requests.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null);
if (builder.Configuration["urls"] is null)
{
    builder.WebHost.UseUrls("http://127.0.0.1:0");
}
var app = builder.Build();
var storage = new FakeStorage();

app.Run(context => Handle(context, storage));
await app.StartAsync().ConfigureAwait(false);
Console.WriteLine($"GCS fake listening on {app.Urls.First()}");
await app.WaitForShutdownAsync().ConfigureAwait(false);

static async Task Handle(HttpContext context, FakeStorage storage)
{
    var request = context.Request;
    var rawTarget = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
    var rawPath = rawTarget.Split('?', 2)[0];
    var segments = rawPath.Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();
    var query = request.Query;
    var baseUrl = $"{request.Scheme}://{request.Host}";
    try
    {
        switch (segments)
        {
            case ["storage", "v1", "b"] when request.Method == "POST":
                {
                    using var body = await ReadJsonAsync(request).ConfigureAwait(false);
                    var name = body.RootElement.GetProperty("name").GetString()!;
                    if (!storage.CreateBucket(name))
                    {
                        await ErrorAsync(context, 409, "conflict", $"Bucket {name} already exists.").ConfigureAwait(false);
                        return;
                    }
                    await JsonAsync(context, 200, BucketJson(name)).ConfigureAwait(false);
                    return;
                }
            case ["storage", "v1", "b", var bucket] when request.Method == "GET":
                if (!storage.HasBucket(bucket))
                {
                    await ErrorAsync(context, 404, "notFound", $"The specified bucket does not exist.").ConfigureAwait(false);
                    return;
                }
                await JsonAsync(context, 200, BucketJson(bucket)).ConfigureAwait(false);
                return;
            case ["storage", "v1", "b", var bucket, "o"] when request.Method == "GET":
                await ListAsync(context, storage, bucket, baseUrl).ConfigureAwait(false);
                return;
            case ["storage", "v1", "b", var bucket, "o", .. var nameParts] when nameParts.Length > 0:
                {
                    var name = string.Join('/', nameParts);
                    if (request.Method == "DELETE")
                    {
                        if (storage.Delete(bucket, name))
                        {
                            context.Response.StatusCode = 204;
                        }
                        else
                        {
                            await ErrorAsync(context, 404, "notFound", $"No such object: {bucket}/{name}").ConfigureAwait(false);
                        }
                        return;
                    }
                    if (request.Method == "GET")
                    {
                        await GetObjectAsync(context, storage, bucket, name, baseUrl, media: query["alt"] == "media").ConfigureAwait(false);
                        return;
                    }
                    break;
                }
            case ["download", "storage", "v1", "b", var bucket, "o", .. var nameParts] when nameParts.Length > 0 && request.Method == "GET":
                await GetObjectAsync(context, storage, bucket, string.Join('/', nameParts), baseUrl, media: true).ConfigureAwait(false);
                return;
            case ["upload", "storage", "v1", "b", var bucket, "o"]:
                await UploadAsync(context, storage, bucket, baseUrl).ConfigureAwait(false);
                return;
        }
        await Console.Error.WriteLineAsync($"GCS fake: unsupported request {request.Method} {rawTarget}").ConfigureAwait(false);
        await ErrorAsync(context, 400, "invalid", $"The GCS fake does not support {request.Method} {rawPath}.").ConfigureAwait(false);
    }
    catch (PreconditionFailedException e)
    {
        await ErrorAsync(context, 412, "conditionNotMet", e.Message).ConfigureAwait(false);
    }
}

static async Task GetObjectAsync(HttpContext context, FakeStorage storage, string bucket, string name, string baseUrl, bool media)
{
    var stored = storage.Get(bucket, name);
    if (stored is null)
    {
        await ErrorAsync(context, 404, "notFound", $"No such object: {bucket}/{name}").ConfigureAwait(false);
        return;
    }
    if (!media)
    {
        await JsonAsync(context, 200, stored.ToJson(baseUrl)).ConfigureAwait(false);
        return;
    }
    var response = context.Response;
    response.Headers["x-goog-generation"] = stored.Generation.ToString(System.Globalization.CultureInfo.InvariantCulture);
    response.Headers["x-goog-stored-content-length"] = stored.Data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
    response.ContentType = stored.ContentType;
    var range = context.Request.GetTypedHeaders().Range;
    if (range is { Ranges.Count: 1 })
    {
        var only = range.Ranges.First();
        long length = stored.Data.LongLength;
        long from = only.From ?? Math.Max(0, length - (only.To ?? 0));
        long to = only.From is null ? length - 1 : Math.Min(only.To ?? length - 1, length - 1);
        if (from >= length)
        {
            response.Headers.ContentRange = $"bytes */{length}";
            await ErrorAsync(context, 416, "requestedRangeNotSatisfiable", "The requested range cannot be satisfied.").ConfigureAwait(false);
            return;
        }
        response.StatusCode = 206;
        response.Headers.ContentRange = $"bytes {from}-{to}/{length}";
        response.ContentLength = to - from + 1;
        await response.Body.WriteAsync(stored.Data.AsMemory((int)from, (int)(to - from + 1))).ConfigureAwait(false);
        return;
    }
    response.StatusCode = 200;
    response.Headers["x-goog-hash"] = $"crc32c={stored.Crc32C},md5={stored.Md5}";
    response.ContentLength = stored.Data.Length;
    await response.Body.WriteAsync(stored.Data).ConfigureAwait(false);
}

static async Task ListAsync(HttpContext context, FakeStorage storage, string bucket, string baseUrl)
{
    var query = context.Request.Query;
    int maxResults = int.TryParse(query["maxResults"], out var m) && m > 0 ? Math.Min(m, 1000) : 1000;
    string? pageToken = string.IsNullOrEmpty(query["pageToken"]) ? null : System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(query["pageToken"]!));
    var page = storage.List(bucket, query["prefix"].ToString(), query["delimiter"], NullIfEmpty(query["startOffset"]), NullIfEmpty(query["endOffset"]), pageToken, maxResults);
    if (page is not { } found)
    {
        await ErrorAsync(context, 404, "notFound", "The specified bucket does not exist.").ConfigureAwait(false);
        return;
    }
    var result = new Dictionary<string, object> { ["kind"] = "storage#objects" };
    if (found.Items.Count > 0)
    {
        result["items"] = found.Items.Select(i => i.ToJson(baseUrl)).ToList();
    }
    if (found.Prefixes.Count > 0)
    {
        result["prefixes"] = found.Prefixes;
    }
    if (found.Next is not null)
    {
        result["nextPageToken"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(found.Next));
    }
    await JsonAsync(context, 200, result).ConfigureAwait(false);
}

static async Task UploadAsync(HttpContext context, FakeStorage storage, string bucket, string baseUrl)
{
    var request = context.Request;
    var query = request.Query;
    long? ifGenerationMatch = long.TryParse(query["ifGenerationMatch"], out var g) ? g : null;
    string uploadType = query["uploadType"].ToString();
    if (request.Method == "POST" && uploadType == "media")
    {
        var data = await ReadBodyAsync(request).ConfigureAwait(false);
        var stored = storage.Put(bucket, query["name"]!, data, request.ContentType, ifGenerationMatch);
        await StoredAsync(context, stored, baseUrl).ConfigureAwait(false);
        return;
    }
    if (request.Method == "POST" && uploadType == "resumable")
    {
        string? name = query["name"];
        string? contentType = request.Headers["X-Upload-Content-Type"];
        if (request.ContentLength is not 0)
        {
            var metadata = await ReadBodyAsync(request).ConfigureAwait(false);
            if (metadata.Length > 0)
            {
                using var json = JsonDocument.Parse(metadata);
                if (json.RootElement.TryGetProperty("name", out var n))
                {
                    name = n.GetString();
                }
                if (json.RootElement.TryGetProperty("contentType", out var t))
                {
                    contentType = t.GetString();
                }
            }
        }
        if (string.IsNullOrEmpty(name) || !storage.HasBucket(bucket))
        {
            await ErrorAsync(context, string.IsNullOrEmpty(name) ? 400 : 404, "invalid", "Missing object name or bucket.").ConfigureAwait(false);
            return;
        }
        var id = storage.StartUpload(new PendingUpload(bucket, name, contentType, ifGenerationMatch));
        context.Response.Headers.Location = $"{baseUrl}/upload/storage/v1/b/{Uri.EscapeDataString(bucket)}/o?uploadType=resumable&upload_id={id}";
        context.Response.StatusCode = 200;
        return;
    }
    if (request.Method == "PUT" && query["upload_id"].ToString() is { Length: > 0 } uploadId)
    {
        var upload = storage.FindUpload(uploadId);
        if (upload is null)
        {
            await ErrorAsync(context, 404, "notFound", "No such upload.").ConfigureAwait(false);
            return;
        }
        // Content-Range: "bytes a-b/total", "bytes a-b/*" or "bytes */total" (a status query or an empty final chunk).
        var contentRange = request.Headers.ContentRange.ToString();
        var spec = contentRange.StartsWith("bytes ", StringComparison.Ordinal) ? contentRange[6..] : "*/*";
        var parts = spec.Split('/');
        long? total = parts.Length == 2 && long.TryParse(parts[1], out var t) ? t : null;
        var chunk = await ReadBodyAsync(request).ConfigureAwait(false);
        if (parts[0] != "*")
        {
            long start = long.Parse(parts[0].Split('-')[0], System.Globalization.CultureInfo.InvariantCulture);
            if (start > upload.Data.Length)
            {
                await ErrorAsync(context, 400, "invalid", "Chunk starts past the bytes received.").ConfigureAwait(false);
                return;
            }
            upload.Data.SetLength(start);
            upload.Data.Position = start;
            await upload.Data.WriteAsync(chunk).ConfigureAwait(false);
        }
        if (total is { } complete && complete == upload.Data.Length)
        {
            storage.EndUpload(uploadId);
            if (HashMismatch(request.Headers["X-Goog-Hash"].ToString(), upload.Data.ToArray()) is { } mismatch)
            {
                // As GCS does: a final chunk whose X-Goog-Hash disagrees with the bytes received creates no object.
                await ErrorAsync(context, 400, "invalid", mismatch).ConfigureAwait(false);
                return;
            }
            var stored = storage.Put(upload.Bucket, upload.Name, upload.Data.ToArray(), upload.ContentType, upload.IfGenerationMatch);
            await StoredAsync(context, stored, baseUrl).ConfigureAwait(false);
            return;
        }
        if (upload.Data.Length > 0)
        {
            context.Response.Headers["Range"] = $"bytes=0-{upload.Data.Length - 1}";
        }
        context.Response.StatusCode = 308;
        return;
    }
    await ErrorAsync(context, 400, "invalid", $"Unsupported upload request {request.Method} uploadType={uploadType}.").ConfigureAwait(false);
}

static string? HashMismatch(string header, byte[] data)
{
    foreach (var part in header.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
    {
        var (name, value) = part.IndexOf('=') is var eq and > 0 ? (part[..eq], part[(eq + 1)..]) : (part, "");
        var actual = name switch
        {
            "crc32c" => Crc32C.ToBase64(Crc32C.Compute(data)),
            "md5" => Convert.ToBase64String(System.Security.Cryptography.MD5.HashData(data)),
            _ => null,
        };
        if (actual is not null && actual != value)
        {
            var label = name == "md5" ? "MD5" : "CRC32C";
            return $"Provided {label} \"{value}\" doesn't match calculated {label} \"{actual}\".";
        }
    }
    return null;
}

static async Task StoredAsync(HttpContext context, StoredObject? stored, string baseUrl)
{
    if (stored is null)
    {
        await ErrorAsync(context, 404, "notFound", "The specified bucket does not exist.").ConfigureAwait(false);
        return;
    }
    await JsonAsync(context, 200, stored.ToJson(baseUrl)).ConfigureAwait(false);
}

static async Task<byte[]> ReadBodyAsync(HttpRequest request)
{
    Stream body = request.Body;
    if (request.Headers.ContentEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase))
    {
        body = new GZipStream(body, CompressionMode.Decompress);
    }
    using var buffer = new MemoryStream();
    await body.CopyToAsync(buffer).ConfigureAwait(false);
    return buffer.ToArray();
}

static async Task<JsonDocument> ReadJsonAsync(HttpRequest request) => JsonDocument.Parse(await ReadBodyAsync(request).ConfigureAwait(false));

static Dictionary<string, object> BucketJson(string name) => new()
{
    ["kind"] = "storage#bucket",
    ["id"] = name,
    ["name"] = name,
    ["location"] = "US",
    ["storageClass"] = "STANDARD",
    ["metageneration"] = "1",
    ["etag"] = "CAE=",
};

static async Task JsonAsync(HttpContext context, int status, object value)
{
    context.Response.StatusCode = status;
    context.Response.ContentType = "application/json; charset=UTF-8";
    await JsonSerializer.SerializeAsync(context.Response.Body, value, value.GetType()).ConfigureAwait(false);
}

static Task ErrorAsync(HttpContext context, int status, string reason, string message) =>
    JsonAsync(context, status, new Dictionary<string, object>
    {
        ["error"] = new Dictionary<string, object>
        {
            ["code"] = status,
            ["message"] = message,
            ["errors"] = new[] { new Dictionary<string, object> { ["message"] = message, ["domain"] = "global", ["reason"] = reason } },
        },
    });

static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
