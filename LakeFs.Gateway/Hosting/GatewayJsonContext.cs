using System.Text.Json;
using System.Text.Json.Serialization;
using LakeFs.Gateway.Operations;

namespace LakeFs.Gateway.Hosting;

/// <summary>
/// Source-generated JSON for the host's config file and the multipart-upload manifests, so a trimmed or native AOT
/// gateway keeps the code that reads them. The config file is read leniently (any letter case, comments, trailing
/// commas, enum names); a manifest is written with the default names, which the lenient reader reads back as well.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNameCaseInsensitive = true,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(GatewayConfig))]
[JsonSerializable(typeof(MultipartUpload))]
internal sealed partial class GatewayJsonContext : JsonSerializerContext;
