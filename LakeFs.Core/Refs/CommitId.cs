using System.Buffers;
using System.Security.Cryptography;
using LakeFs.Core.Trees;

namespace LakeFs.Core.Refs;

/// <summary>Commit id = SHA-256 over a canonical, length-prefixed encoding of everything the commit says.</summary>
internal static class CommitId
{
    public const int HexLength = 64;

    public static string Compute(
        IReadOnlyList<string> parents, string metaRangeId, string message, string committer,
        DateTimeOffset created, IReadOnlyDictionary<string, string> metadata)
    {
        var writer = new ArrayBufferWriter<byte>(256);
        writer.WriteString("lakefs-commit-v1");
        writer.WriteVarUInt64((ulong)parents.Count);
        foreach (var parent in parents)
        {
            writer.WriteString(parent);
        }
        writer.WriteString(metaRangeId);
        writer.WriteString(message);
        writer.WriteString(committer);
        writer.WriteInt64LittleEndian(created.UtcTicks);
        writer.WriteVarUInt64((ulong)metadata.Count);
        foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            writer.WriteString(key);
            writer.WriteString(value);
        }
        return Convert.ToHexStringLower(SHA256.HashData(writer.WrittenSpan));
    }

    public static bool IsFullId(string text) => text.Length == HexLength && IsLowerHex(text);

    /// <summary>Hex digits in either case: what a user may type for an id or id prefix.</summary>
    public static bool IsHex(string text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }
        return text.Length > 0;
    }

    public static bool IsLowerHex(string text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f'))
            {
                return false;
            }
        }
        return text.Length > 0;
    }
}
