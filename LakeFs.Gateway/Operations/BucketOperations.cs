using System.Text;
using System.Xml;
using LakeFs.Core;
using LakeFs.Gateway.Protocol;
using Microsoft.AspNetCore.Http;

namespace LakeFs.Gateway.Operations;

/// <summary>ListBuckets, ListObjectsV2 and V1, GetBucketLocation.</summary>
internal sealed class BucketOperations
{
    private readonly IReadOnlyDictionary<string, Repository> _repositories;
    private readonly DateTimeOffset _servedSince;

    public BucketOperations(IReadOnlyDictionary<string, Repository> repositories, DateTimeOffset servedSince)
    {
        _repositories = repositories;
        _servedSince = servedSince;
    }

    public Task ListBucketsAsync(HttpContext context) =>
        S3Xml.WriteAsync(context.Response, 200, "ListAllMyBucketsResult", w =>
        {
            w.WriteStartElement("Owner");
            w.WriteElementString("ID", "lakefs");
            w.WriteElementString("DisplayName", "lakefs");
            w.WriteEndElement();
            w.WriteStartElement("Buckets");
            foreach (var name in _repositories.Keys.Order(StringComparer.Ordinal))
            {
                w.WriteStartElement("Bucket");
                w.WriteElementString("Name", name);
                // The library keeps no creation time for a repository: report when this gateway started serving it.
                w.WriteElementString("CreationDate", S3Xml.Timestamp(_servedSince));
                w.WriteEndElement();
            }
            w.WriteEndElement();
        });

    public static Task LocationAsync(HttpContext context) =>
        S3Xml.WriteAsync(context.Response, 200, "LocationConstraint", _ => { });

    public static async Task ListObjectsAsync(HttpContext context, Repository repository, string bucket, S3Request request)
    {
        var v2 = request.Get("list-type") == "2";
        var prefix = request.Get("prefix") ?? "";
        var delimiter = request.Get("delimiter");
        var url = Listing.UrlEncoded(request);
        var maxKeys = Listing.PageSize(request, "max-keys", minimum: 0);
        var continuation = v2 ? request.Get("continuation-token") : null;
        var startAfter = v2 ? request.Get("start-after") : null;
        var marker = v2 ? null : request.Get("marker");
        var after = continuation is not null ? DecodeToken(continuation) : v2 ? NonEmpty(startAfter) : NonEmpty(marker);

        var contents = new List<ListedItem>();
        var prefixes = new List<string>();
        var truncated = false;
        string? last = null;
        if (maxKeys > 0)
        {
            await foreach (var item in ObjectListing.ListAsync(repository, prefix, delimiter, after, context.RequestAborted).ConfigureAwait(false))
            {
                if (contents.Count + prefixes.Count == maxKeys)
                {
                    truncated = true;
                    break;
                }
                if (item.Object is null)
                {
                    prefixes.Add(item.Key);
                }
                else
                {
                    contents.Add(item);
                }
                last = item.Key;
            }
        }

        string Encode(string value) => Listing.Encode(value, url);
        await S3Xml.WriteAsync(context.Response, 200, "ListBucketResult", w =>
        {
            w.WriteElementString("Name", bucket);
            w.WriteElementString("Prefix", Encode(prefix));
            if (v2)
            {
                if (continuation is not null)
                {
                    w.WriteElementString("ContinuationToken", continuation);
                }
                if (startAfter is not null)
                {
                    w.WriteElementString("StartAfter", Encode(startAfter));
                }
                w.WriteElementString("KeyCount", S3Xml.Number(contents.Count + prefixes.Count));
                if (truncated)
                {
                    w.WriteElementString("NextContinuationToken", EncodeToken(last!));
                }
            }
            else
            {
                w.WriteElementString("Marker", Encode(marker ?? ""));
                if (truncated)
                {
                    w.WriteElementString("NextMarker", Encode(last!));
                }
            }
            if (!string.IsNullOrEmpty(delimiter))
            {
                w.WriteElementString("Delimiter", Encode(delimiter));
            }
            w.WriteElementString("MaxKeys", S3Xml.Number(maxKeys));
            Listing.WriteEncodingType(w, url);
            w.WriteElementString("IsTruncated", truncated ? "true" : "false");
            foreach (var item in contents)
            {
                WriteContents(w, Encode(item.Key), item.Object!);
            }
            Listing.WriteCommonPrefixes(w, prefixes, url);
        }).ConfigureAwait(false);
    }

    private static void WriteContents(XmlWriter w, string key, Core.Model.ObjectInfo info)
    {
        w.WriteStartElement("Contents");
        w.WriteElementString("Key", key);
        w.WriteElementString("LastModified", S3Xml.Timestamp(info.LastModified));
        w.WriteElementString("ETag", ETags.Of(info));
        w.WriteElementString("Size", S3Xml.Number(info.Size));
        w.WriteElementString("StorageClass", "STANDARD");
        w.WriteEndElement();
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static string EncodeToken(string key) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(key)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string DecodeToken(string token)
    {
        var base64 = token.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
        var bytes = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64, bytes, out var written) || written == 0)
        {
            throw S3Exception.InvalidArgument("The continuation token is not one this gateway issued.");
        }
        return Encoding.UTF8.GetString(bytes, 0, written);
    }
}
