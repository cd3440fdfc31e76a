using LakeFs.Core.Tests.TestSupport;
using LakeFs.Gateway.Tests.TestSupport;

namespace LakeFs.Gateway.Tests.Clients;

/// <summary>A gateway for a fixture of real-client tests, a scratch folder per test, and the environment the clients need.</summary>
public abstract class ClientFixture
{
    protected GatewayServer Server { get; private set; } = null!;

    protected TempDirectory Scratch { get; private set; } = null!;

    /// <summary>Credentials and endpoint for the clients; HOME points into the scratch folder so no user config is read.</summary>
    protected Dictionary<string, string> Environment { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartGatewayAsync() => Server = await GatewayServer.StartAsync();

    [OneTimeTearDown]
    public async Task StopGatewayAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }

    [SetUp]
    public void CreateScratch()
    {
        Scratch = new TempDirectory();
        Directory.CreateDirectory(Scratch.Combine("home"));
        Environment = new Dictionary<string, string>
        {
            ["HOME"] = Scratch.Combine("home"),
            ["AWS_ACCESS_KEY_ID"] = GatewayServer.AccessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = GatewayServer.SecretAccessKey,
            ["AWS_DEFAULT_REGION"] = "us-east-1",
            ["AWS_EC2_METADATA_DISABLED"] = "true",
            ["AWS_PAGER"] = "",
            ["AWS_CA_BUNDLE"] = "",
            ["AWS_CONFIG_FILE"] = Scratch.Combine("home", "aws-config"),
            ["AWS_SHARED_CREDENTIALS_FILE"] = Scratch.Combine("home", "aws-credentials"),
        };
    }

    [TearDown]
    public void DeleteScratch() => Scratch.Dispose();

    protected async Task<byte[]> ReadFromLibraryAsync(string @ref, string path)
    {
        await using var stream = await Server.Repository.OpenReadAsync(@ref, path);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    protected static byte[] RandomBytes(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
