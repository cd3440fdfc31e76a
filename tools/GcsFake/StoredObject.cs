using System.Security.Cryptography;

namespace GcsFake;

/// <summary>One object version held in memory.</summary>
internal sealed class StoredObject
{
    public StoredObject(string bucket, string name, byte[] data, long generation, string? contentType, DateTimeOffset time)
    {
        Bucket = bucket;
        Name = name;
        Data = data;
        Generation = generation;
        ContentType = contentType ?? "application/octet-stream";
        Time = time;
        Crc32C = GcsFake.Crc32C.ToBase64(GcsFake.Crc32C.Compute(data));
        Md5 = Convert.ToBase64String(MD5.HashData(data));
    }

    public string Bucket { get; }
    public string Name { get; }
    public byte[] Data { get; }
    public long Generation { get; }
    public string ContentType { get; }
    public DateTimeOffset Time { get; }
    public string Crc32C { get; }
    public string Md5 { get; }

    public Dictionary<string, object> ToJson(string baseUrl) => new()
    {
        ["kind"] = "storage#object",
        ["id"] = $"{Bucket}/{Name}/{Generation}",
        ["selfLink"] = $"{baseUrl}/storage/v1/b/{Bucket}/o/{Uri.EscapeDataString(Name)}",
        ["mediaLink"] = $"{baseUrl}/download/storage/v1/b/{Bucket}/o/{Uri.EscapeDataString(Name)}?generation={Generation}&alt=media",
        ["name"] = Name,
        ["bucket"] = Bucket,
        ["generation"] = Generation.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["metageneration"] = "1",
        ["contentType"] = ContentType,
        ["storageClass"] = "STANDARD",
        ["size"] = Data.LongLength.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["md5Hash"] = Md5,
        ["crc32c"] = Crc32C,
        ["etag"] = $"CL{Generation}=",
        ["timeCreated"] = Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
        ["updated"] = Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
    };
}
