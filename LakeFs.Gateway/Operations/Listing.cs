using System.Globalization;
using System.Xml;
using LakeFs.Gateway.Protocol;

namespace LakeFs.Gateway.Operations;

/// <summary>
/// What the S3 listings (ListObjects V1 and V2, ListMultipartUploads, ListParts) share: the page size parameter,
/// <c>encoding-type=url</c> and the keys it encodes, and folding keys into common prefixes at a delimiter.
/// </summary>
internal static class Listing
{
    /// <summary>The most entries S3 returns in one page, whatever the request asks for.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>
    /// The page size <paramref name="parameter"/> asks for (<see cref="MaxPageSize"/> when absent, capped at it);
    /// InvalidArgument when it is no number or below <paramref name="minimum"/>.
    /// </summary>
    public static int PageSize(S3Request request, string parameter, int minimum)
    {
        var size = MaxPageSize;
        if (request.Get(parameter) is { } text
            && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size < minimum))
        {
            throw S3Exception.InvalidArgument($"{parameter} must be a {(minimum > 0 ? "positive" : "non-negative")} number, not '{text}'.");
        }
        return Math.Min(size, MaxPageSize);
    }

    /// <summary>Whether the request asks for URL-encoded keys (<c>encoding-type=url</c>); InvalidArgument for any other encoding.</summary>
    public static bool UrlEncoded(S3Request request) => request.Get("encoding-type") switch
    {
        null => false,
        "url" => true,
        _ => throw S3Exception.InvalidArgument("encoding-type must be 'url'."),
    };

    /// <summary>A key, prefix, marker or delimiter as the response carries it: URL-encoded (keeping '/') when asked for.</summary>
    public static string Encode(string value, bool url) => url ? AwsUri.Encode(value, keepSlash: true) : value;

    /// <summary>
    /// The common prefix <paramref name="key"/> folds into: the key up to and including the first
    /// <paramref name="delimiter"/> after <paramref name="prefix"/> (which the key starts with); null when there is no
    /// delimiter or the key has none past the prefix.
    /// </summary>
    public static string? CommonPrefix(string key, string prefix, string? delimiter)
    {
        if (string.IsNullOrEmpty(delimiter))
        {
            return null;
        }
        var cut = key.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
        return cut < 0 ? null : key[..(cut + delimiter.Length)];
    }

    /// <summary>Writes <c>EncodingType</c> when keys are URL-encoded.</summary>
    public static void WriteEncodingType(XmlWriter writer, bool url)
    {
        if (url)
        {
            writer.WriteElementString("EncodingType", "url");
        }
    }

    /// <summary>Writes one <c>CommonPrefixes</c> element per prefix, encoded as asked.</summary>
    public static void WriteCommonPrefixes(XmlWriter writer, IEnumerable<string> prefixes, bool url)
    {
        foreach (var prefix in prefixes)
        {
            writer.WriteStartElement("CommonPrefixes");
            writer.WriteElementString("Prefix", Encode(prefix, url));
            writer.WriteEndElement();
        }
    }
}
