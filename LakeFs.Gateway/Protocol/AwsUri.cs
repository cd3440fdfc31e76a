using System.Text;

namespace LakeFs.Gateway.Protocol;

/// <summary>The URI encoding AWS Signature Version 4 and S3 use: RFC 3986 unreserved characters stay, all else is %XX of UTF-8.</summary>
internal static class AwsUri
{
    /// <summary>Encodes <paramref name="value"/>; '/' stays as is when <paramref name="keepSlash"/> (object keys in a path).</summary>
    public static string Encode(string value, bool keepSlash)
    {
        var needs = false;
        foreach (var c in value)
        {
            if (!IsUnreserved(c) && !(keepSlash && c == '/'))
            {
                needs = true;
                break;
            }
        }
        if (!needs)
        {
            return value;
        }
        var builder = new StringBuilder(value.Length * 2);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (IsUnreserved(c) || (keepSlash && c == '/'))
            {
                builder.Append(c);
                continue;
            }
            int length;
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                length = Encoding.UTF8.GetBytes(value.AsSpan(i, 2), utf8);
                i++;
            }
            else
            {
                length = Encoding.UTF8.GetBytes(char.IsSurrogate(c) ? "\uFFFD" : c.ToString(), utf8);
            }
            foreach (var b in utf8[..length])
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return builder.ToString();
    }

    /// <summary>Decodes %XX sequences as UTF-8 ('+' stays a plus, as S3 keys in a path keep it).</summary>
    public static string Decode(string value) => value.Contains('%', StringComparison.Ordinal) ? Uri.UnescapeDataString(value) : value;

    private static bool IsUnreserved(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~';
}
