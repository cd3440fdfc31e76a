namespace LakeFs.Gateway.Hosting;

/// <summary>The runnable host's JSON config file (see the README's "S3 gateway" section).</summary>
internal sealed class GatewayConfig
{
    /// <summary>Where to listen, for example http://127.0.0.1:9000 (port 0 picks a free port).</summary>
    public string Listen { get; set; } = "http://127.0.0.1:9000";

    public string? VirtualHostDomain { get; set; }

    public List<AccessKeyConfig> AccessKeys { get; set; } = [];

    public Dictionary<string, RepositoryConfig> Repositories { get; set; } = [];
}
