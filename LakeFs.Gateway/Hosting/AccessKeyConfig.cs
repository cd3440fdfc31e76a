namespace LakeFs.Gateway.Hosting;

/// <summary>One key pair in the config file.</summary>
internal sealed class AccessKeyConfig
{
    public string AccessKeyId { get; set; } = "";

    public string SecretAccessKey { get; set; } = "";
}
