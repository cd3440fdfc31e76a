using System.Text.Json.Serialization;

namespace LakeFs.Core.Json;

/// <summary>
/// Source-generated JSON for every type the library serializes with <see cref="System.Text.Json.JsonSerializer"/>, so a
/// trimmed or native AOT application keeps the code that reads and writes them (reflection-based serialization is
/// removed by the trimmer and throws at run time).
/// </summary>
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
[JsonSerializable(typeof(RepositoryMarker))]
internal sealed partial class CoreJsonContext : JsonSerializerContext;
