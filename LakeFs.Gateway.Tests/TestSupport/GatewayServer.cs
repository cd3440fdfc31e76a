using System.Diagnostics;
using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3;
using LakeFs.Core;
using LakeFs.Core.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LakeFs.Gateway.Tests.TestSupport;

/// <summary>
/// A gateway on 127.0.0.1 and a free port, serving fresh local repositories ("lake" and "other") from a temporary
/// folder that is deleted on dispose.
/// </summary>
public sealed class GatewayServer : IAsyncDisposable
{
    public const string AccessKeyId = "AKIDGATEWAYTEST";
    public const string SecretAccessKey = "gateway/test+secret";
    public const string Bucket = "lake";
    public const string OtherBucket = "other";

    private readonly WebApplication _app;
    private readonly List<Repository> _repositories;
    private readonly StrongBox<int> _handled;

    private GatewayServer(WebApplication app, TempDirectory folder, List<Repository> repositories, string endpoint, StrongBox<int> handled)
    {
        _app = app;
        Folder = folder;
        _repositories = repositories;
        Endpoint = endpoint;
        _handled = handled;
    }

    /// <summary>Requests the gateway has finished with: answered or failed, with whatever cleanup the request does.</summary>
    public int RequestsHandled => Volatile.Read(ref _handled.Value);

    /// <summary>
    /// Waits until the gateway has finished <paramref name="count"/> requests in all (see <see cref="RequestsHandled"/>):
    /// a client that hung up gets no answer to wait for, and how long the server takes to notice depends on the machine.
    /// </summary>
    public async Task WaitUntilHandledAsync(int count)
    {
        var clock = Stopwatch.StartNew();
        while (RequestsHandled < count)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(2))
            {
                Assert.Fail($"The gateway finished {RequestsHandled} requests, not {count}, within two minutes.");
            }
            await Task.Delay(20);
        }
    }

    public TempDirectory Folder { get; }

    /// <summary>http://127.0.0.1:port</summary>
    public string Endpoint { get; }

    public Repository Repository => _repositories[0];

    public Repository Other => _repositories[1];

    public static async Task<GatewayServer> StartAsync(Action<S3GatewayOptions>? configure = null)
    {
        var folder = new TempDirectory();
        var repositories = new List<Repository>
        {
            await Repository.CreateAsync(folder.Combine(Bucket)),
            await Repository.CreateAsync(folder.Combine(OtherBucket)),
        };
        var options = new S3GatewayOptions();
        options.Repositories[Bucket] = repositories[0];
        options.Repositories[OtherBucket] = repositories[1];
        options.AccessKeys.Add(new S3AccessKey(AccessKeyId, SecretAccessKey));
        configure?.Invoke(options);

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var handled = new StrongBox<int>();
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            finally
            {
                Interlocked.Increment(ref handled.Value);
            }
        });
        app.MapLakeFsS3(options);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new GatewayServer(app, folder, repositories, address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal), handled);
    }

    /// <summary>An SDK client for the gateway (path style, no retries).</summary>
    public AmazonS3Client CreateClient(string? secret = null) =>
        new(new BasicAWSCredentials(AccessKeyId, secret ?? SecretAccessKey),
            new AmazonS3Config { ServiceURL = Endpoint, ForcePathStyle = true, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        foreach (var repository in _repositories)
        {
            await repository.DisposeAsync();
        }
        Folder.Dispose();
    }
}
