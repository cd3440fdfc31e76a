// The runnable host's entry point (not part of the library): usage, start-up errors and the address go to its console.
#pragma warning disable RS0030
using System.Text.Json;
using LakeFs;
using LakeFs.Core;
using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Gateway;
using LakeFs.Gateway.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// dotnet run --project LakeFs.Gateway -- --config gateway.json
var configPath = ArgumentAfter(args, "--config");
if (configPath is null)
{
    await Console.Error.WriteLineAsync("usage: LakeFs.Gateway --config gateway.json").ConfigureAwait(false);
    return 2;
}
GatewayConfig config;
try
{
    var file = File.OpenRead(configPath);
    await using var _ = file.ConfigureAwait(false);
    config = await JsonSerializer.DeserializeAsync(file, GatewayJsonContext.Default.GatewayConfig).ConfigureAwait(false)
        ?? throw new JsonException("The file is empty.");
}
catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
{
    await Console.Error.WriteLineAsync($"Cannot read the config file '{configPath}': {e.Message}").ConfigureAwait(false);
    return 2;
}

var baseFolder = Path.GetDirectoryName(Path.GetFullPath(configPath))!;
var options = new S3GatewayOptions { VirtualHostDomain = config.VirtualHostDomain };
foreach (var key in config.AccessKeys)
{
    options.AccessKeys.Add(new S3AccessKey(key.AccessKeyId, key.SecretAccessKey));
}
var repositories = new List<Repository>();
try
{
    foreach (var (name, repositoryConfig) in config.Repositories)
    {
        var folder = Path.Combine(baseFolder, repositoryConfig.Path);
        var repositoryOptions = Repository.LocalOptions(folder) with { Durability = repositoryConfig.Durability };
        Repository repository;
        try
        {
            repository = await Repository.OpenAsync(repositoryOptions).ConfigureAwait(false);
        }
        catch (RepositoryNotFoundException) when (repositoryConfig.Create)
        {
            repository = await Repository.CreateAsync(repositoryOptions).ConfigureAwait(false);
        }
        repositories.Add(repository);
        options.Repositories[name] = repository;
        options.DurableWrites |= repositoryConfig.Durability == Durability.PowerLoss;
    }

    var builder = WebApplication.CreateSlimBuilder(args);
    builder.WebHost.UseUrls(ArgumentAfter(args, "--urls") ?? config.Listen);
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    var app = builder.Build();
    options.Logger = app.Logger;
    app.MapLakeFsS3(options);
    await app.StartAsync().ConfigureAwait(false);
    foreach (var address in app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses)
    {
        Console.WriteLine($"LakeFs S3 gateway listening on {address}");
    }
    await Microsoft.Extensions.Hosting.HostingAbstractionsHostExtensions.WaitForShutdownAsync(app).ConfigureAwait(false);
    return 0;
}
catch (Exception e) when (e is LakeFsException or ArgumentException or IOException)
{
    await Console.Error.WriteLineAsync($"The gateway cannot start: {e.Message}").ConfigureAwait(false);
    return 1;
}
finally
{
    foreach (var repository in repositories)
    {
        await repository.DisposeAsync().ConfigureAwait(false);
    }
}

static string? ArgumentAfter(string[] args, string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
