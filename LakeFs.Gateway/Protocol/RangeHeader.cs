using System.Globalization;

namespace LakeFs.Gateway.Protocol;

/// <summary>
/// A GET's Range header, as S3 reads it: one byte range (<c>bytes=a-b</c>, <c>bytes=a-</c>, <c>bytes=-n</c>).
/// Anything else (several ranges, another unit, bad syntax) is ignored and the whole object is served; a range
/// that starts past the end is refused with InvalidRange (416).
/// </summary>
internal static class RangeHeader
{
    /// <summary>The first byte and the length to serve, or null for the whole object.</summary>
    public static (long Offset, long Length)? Parse(string? header, long size)
    {
        if (string.IsNullOrWhiteSpace(header) || !header.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var spec = header[6..].Trim();
        var dash = spec.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0 || spec.Contains(',', StringComparison.Ordinal))
        {
            return null;
        }
        var first = spec[..dash].Trim();
        var last = spec[(dash + 1)..].Trim();
        if (first.Length == 0)
        {
            if (!TryParse(last, out var suffix))
            {
                return null;
            }
            if (suffix == 0 || size == 0)
            {
                throw Unsatisfiable(header, size);
            }
            var length = Math.Min(suffix, size);
            return (size - length, length);
        }
        if (!TryParse(first, out var start))
        {
            return null;
        }
        long end;
        if (last.Length == 0)
        {
            end = size - 1;
        }
        else if (!TryParse(last, out end) || end < start)
        {
            return null;
        }
        if (start >= size)
        {
            throw Unsatisfiable(header, size);
        }
        end = Math.Min(end, size - 1);
        return (start, end - start + 1);
    }

    private static bool TryParse(string text, out long value) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static S3Exception Unsatisfiable(string header, long size) =>
        new(416, "InvalidRange", $"The requested range '{header}' is not satisfiable: the object has {size} bytes.");
}
