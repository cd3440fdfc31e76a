using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using LakeFs.Benchmarks.Infrastructure;
using LakeFs.Core;
using LakeFs.Gateway;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LakeFs.Benchmarks.Scenarios;

/// <summary>
/// The S3 gateway on loopback, server and load generator in this one process (so they share the 2 cores): GETs of
/// committed 4 KiB objects and PUTs of new 4 KiB objects by 16 concurrent clients, and a whole GET of one 1 GiB object
/// (its SHA-256 checked as it streams, as every whole GET is). The clients send presigned URLs, computed before the
/// clock starts, so each request is signature-checked by the gateway while the client side stays light; every
/// response is checked for status and length.
/// </summary>
public sealed class GatewayScenario : IScenario
{
    private const int ObjectSize = 4096;
    private const int Clients = 16;
    private const string AccessKeyId = "AKIDBENCHMARK";
    private const string Secret = "benchmark-secret";

    public string Name => "gateway";

    public string Description => "S3 gateway on loopback: GET and PUT of 4 KiB objects by 16 clients, GET of 1 GiB";

    public async Task RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var objects = context.Options.Scaled(10_000, 50);
        var gets = context.Options.Scaled(50_000, 100);
        var puts = context.Options.Scaled(20_000, 50);
        var largeBytes = (long)context.Options.Scaled(1024, 1) << 20;
        await using var repository = await Repository.CreateAsync(context.NewFolder("gateway"), cancellationToken);
        var payload = new byte[ObjectSize];
        Random.Shared.NextBytes(payload);
        for (var i = 0; i < objects; i++)
        {
            await repository.PutObjectAsync("main", SmallPath(i), payload, cancellationToken: cancellationToken);
        }
        await using (var large = new RandomStream(largeBytes))
        {
            await repository.PutObjectAsync("main", "large/object.bin", large, cancellationToken: cancellationToken);
        }
        await repository.CommitAsync("main", "objects to serve", cancellationToken: cancellationToken);
        context.Log($"{objects:N0} × 4 KiB and one {largeBytes >> 20:N0} MiB object committed");

        var options = new S3GatewayOptions();
        options.Repositories["lake"] = repository;
        options.AccessKeys.Add(new S3AccessKey(AccessKeyId, Secret));
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using var app = builder.Build();
        app.MapLakeFsS3(options);
        await app.StartAsync(cancellationToken);
        var endpoint = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Clients, UseProxy = false })
        {
            BaseAddress = endpoint,
            Timeout = TimeSpan.FromMinutes(10),
        };
        var presigner = new Presigner(endpoint.Authority);

        var getRates = new List<double>();
        var putRates = new List<double>();
        var largeRates = new List<double>();
        var random = new Random(42);
        for (var run = -context.Options.Warmups; run < context.Options.Runs; run++)
        {
            var getUrls = Enumerable.Range(0, gets).Select(_ => presigner.Presign("GET", "/lake/main/" + SmallPath(random.Next(objects)))).ToArray();
            var seconds = await LoadAsync(getUrls, async url =>
            {
                using var response = await http.GetAsync(url, cancellationToken);
                var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                Check(response, body.Length, ObjectSize);
            });
            var putUrls = Enumerable.Range(0, puts).Select(i => presigner.Presign("PUT", $"/lake/main/put/run{run + context.Options.Warmups}/{i:D6}")).ToArray();
            var putSeconds = await LoadAsync(putUrls, async url =>
            {
                using var content = new ByteArrayContent(payload);
                using var response = await http.PutAsync(url, content, cancellationToken);
                Check(response, 0, 0);
            });
            var largeSeconds = await TimeLargeGetAsync(http, presigner.Presign("GET", "/lake/main/large/object.bin"), largeBytes, cancellationToken);
            if (run >= 0)
            {
                getRates.Add(gets / seconds);
                putRates.Add(puts / putSeconds);
                largeRates.Add(largeBytes / 1e6 / largeSeconds);
            }
        }
        var note = "loopback, server and 16 clients in one process, presigned URLs";
        context.Add("GET 4 KiB from a branch, 16 clients", "requests/s", getRates, Goal.Min(10_000), note: $"{gets:N0} GETs per run over {objects:N0} committed objects; {note}");
        context.Add("PUT 4 KiB to a branch, 16 clients", "requests/s", putRates, Goal.Min(5_000), note: $"{puts:N0} new objects per run, ProcessCrash durability; {note}");
        context.Add($"GET of one {largeBytes >> 20:N0} MiB object", "MB/s", largeRates, largeBytes >= 1L << 30 ? Goal.Min(500) : null,
            note: "one client, whole object, SHA-256 checked as it streams");
        context.Log($"GET {Report.Format(Stats.Median(getRates))}/s, PUT {Report.Format(Stats.Median(putRates))}/s, large {Report.Format(Stats.Median(largeRates))} MB/s");
        await app.StopAsync(cancellationToken);
    }

    private static string SmallPath(int i) => $"small/{i % 100:D2}/{i:D6}.bin";

    /// <summary>Seconds for <see cref="Clients"/> workers to send every request once.</summary>
    private static async Task<double> LoadAsync(string[] urls, Func<string, Task> send)
    {
        var next = -1;
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < urls.Length; i = Interlocked.Increment(ref next))
            {
                await send(urls[i]);
            }
        })));
        return sw.Elapsed.TotalSeconds;
    }

    private static async Task<double> TimeLargeGetAsync(HttpClient http, string url, long expected, CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 20];
        var sw = Stopwatch.StartNew();
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        long total = 0;
        int n;
        while ((n = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += n;
        }
        var seconds = sw.Elapsed.TotalSeconds;
        Check(response, total, expected);
        return seconds;
    }

    private static void Check(HttpResponseMessage response, long length, long expected)
    {
        if (response.StatusCode != HttpStatusCode.OK || length != expected)
        {
            throw new InvalidOperationException($"The gateway answered {(int)response.StatusCode} with {length:N0} bytes, expected 200 with {expected:N0}.");
        }
    }

    /// <summary>AWS Signature Version 4 presigned URLs (host header only, UNSIGNED-PAYLOAD), valid for an hour.</summary>
    private sealed class Presigner(string host)
    {
        private readonly DateTimeOffset _time = DateTimeOffset.UtcNow;

        public string Presign(string method, string path)
        {
            var amzDate = _time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
            var scope = $"{amzDate[..8]}/us-east-1/s3/aws4_request";
            var query = $"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={Uri.EscapeDataString($"{AccessKeyId}/{scope}")}&X-Amz-Date={amzDate}&X-Amz-Expires=3600&X-Amz-SignedHeaders=host";
            var canonical = $"{method}\n{path}\n{query}\nhost:{host}\n\nhost\nUNSIGNED-PAYLOAD";
            var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + Secret), Encoding.UTF8.GetBytes(amzDate[..8]));
            key = HMACSHA256.HashData(key, "us-east-1"u8);
            key = HMACSHA256.HashData(key, "s3"u8);
            key = HMACSHA256.HashData(key, "aws4_request"u8);
            var toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
            return $"{path}?{query}&X-Amz-Signature={Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(toSign)))}";
        }
    }

    /// <summary>A stream of pseudo-random bytes of a given length, so a large object needs no buffer of its size.</summary>
    private sealed class RandomStream(long length) : Stream
    {
        private readonly Random _random = new(7);
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, length - _position);
            _random.NextBytes(buffer[..n]);
            _position += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
