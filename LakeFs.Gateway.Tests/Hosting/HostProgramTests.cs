using System.Diagnostics;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using LakeFs.Core.Tests.TestSupport;

namespace LakeFs.Gateway.Tests.Hosting;

/// <summary>The runnable host: <c>LakeFs.Gateway --config gateway.json</c> creates the repository, listens and serves.</summary>
public sealed class HostProgramTests
{
    [Test]
    public async Task The_host_serves_the_repositories_of_its_config_file()
    {
        using var folder = new TempDirectory();
        var config = folder.Combine("gateway.json");
        await File.WriteAllTextAsync(config, """
            {
              // comments are allowed
              "listen": "http://127.0.0.1:0",
              "accessKeys": [ { "accessKeyId": "HOSTKEY", "secretAccessKey": "host-secret" } ],
              "repositories": { "data": { "path": "repos/data", "create": true } }
            }
            """);
        var dll = Path.Combine(AppContext.BaseDirectory, "LakeFs.Gateway.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(config);
        using var process = Process.Start(start)!;
        try
        {
            string? endpoint = null;
            while (endpoint is null && await process.StandardOutput.ReadLineAsync() is { } line)
            {
                const string Marker = "LakeFs S3 gateway listening on ";
                if (line.StartsWith(Marker, StringComparison.Ordinal))
                {
                    endpoint = line[Marker.Length..];
                }
            }
            if (endpoint is null)
            {
                Assert.Fail("The host exited without listening: " + await process.StandardError.ReadToEndAsync());
            }

            using var client = new AmazonS3Client(new BasicAWSCredentials("HOSTKEY", "host-secret"),
                new AmazonS3Config { ServiceURL = endpoint, ForcePathStyle = true, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });
            await client.PutObjectAsync(new PutObjectRequest { BucketName = "data", Key = "main/hello.txt", ContentBody = "hello" });
            using var get = await client.GetObjectAsync("data", "main/hello.txt");
            using var reader = new StreamReader(get.ResponseStream);

            Assert.That(await reader.ReadToEndAsync(), Is.EqualTo("hello"));
            Assert.That(File.Exists(folder.Combine("repos", "data", "refs.db")), Is.True, "the repository was created next to the config file");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [Test]
    public async Task The_host_explains_a_missing_config()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "LakeFs.Gateway.dll"));
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add("/nonexistent/gateway.json");
        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.That(process.ExitCode, Is.EqualTo(2));
        Assert.That(error, Does.Contain("Cannot read the config file"));
    }
}
