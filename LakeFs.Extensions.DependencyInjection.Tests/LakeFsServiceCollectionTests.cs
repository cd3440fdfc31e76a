using LakeFs.Core;
using LakeFs.Core.Errors;
using LakeFs.Core.Model;
using LakeFs.Core.Tests.TestSupport;
using LakeFs.Extensions.DependencyInjection;
using LakeFs.Storage.Memory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace LakeFs.Extensions.DependencyInjection.Tests;

/// <summary>
/// <c>AddLakeFsRepository</c> in a real host (<see cref="Host.CreateApplicationBuilder()"/>) with in-memory
/// configuration: bound settings, opened once at start, disposed with the host, named repositories, a supplied object
/// store, and the errors a bad configuration gets.
/// </summary>
public sealed class LakeFsServiceCollectionTests
{
    private TempDirectory _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempDirectory();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    private static HostApplicationBuilder Builder(Dictionary<string, string?> settings, string? contentRoot = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = contentRoot });
        builder.Configuration.AddInMemoryCollection(settings);
        return builder;
    }

    [Test]
    public async Task A_repository_bound_from_configuration_is_opened_at_start_once_and_disposed_with_the_host()
    {
        var folder = _temp.Combine("lake");
        await using (var created = await Repository.CreateAsync(folder))
        {
            await created.PutObjectAsync("main", "a.txt", new MemoryStream("a"u8.ToArray()));
            await created.CommitAsync("main", "first");
        }
        var builder = Builder(new() { ["LakeFs:Path"] = folder, ["LakeFs:Committer"] = "nightly-job", ["LakeFs:Durability"] = "PowerLoss" });
        builder.Services.AddLakeFsRepository(builder.Configuration.GetSection("LakeFs"));
        Repository repo;
        using (var host = builder.Build())
        {
            Assert.That(() => host.Services.GetRequiredService<Repository>(),
                Throws.InvalidOperationException.With.Message.Contains("not open yet").And.Message.Contains("IHost.StartAsync"));
            await host.StartAsync();

            repo = host.Services.GetRequiredService<Repository>();
            Assert.That(host.Services.GetRequiredService<Repository>(), Is.SameAs(repo));
            Assert.That(await host.Services.GetRequiredService<LakeFsRepositoryProvider>().GetRepositoryAsync(), Is.SameAs(repo));
            Assert.That(await ReadBytesAsync(repo, "main", "a.txt"), Is.EqualTo("a"u8.ToArray()));
            await repo.PutObjectAsync("main", "b.txt", new MemoryStream("b"u8.ToArray()));
            var commit = await repo.CommitAsync("main", "second");
            Assert.That(commit.Committer, Is.EqualTo("nightly-job"));

            await host.StopAsync();
        }
        Assert.That(async () => await repo.GetBranchAsync("main"), Throws.InstanceOf<ObjectDisposedException>());
        await using var reopened = await Repository.OpenAsync(folder);
        Assert.That(await ReadBytesAsync(reopened, "main", "b.txt"), Is.EqualTo("b"u8.ToArray()));
    }

    [Test]
    public async Task A_missing_repository_fails_the_start_and_says_how_to_create_it_unless_create_if_missing()
    {
        var folder = _temp.Combine("missing");
        var builder = Builder(new() { ["LakeFs:Path"] = folder });
        builder.Services.AddLakeFsRepository(builder.Configuration.GetSection("LakeFs"));
        using (var host = builder.Build())
        {
            Assert.That(async () => await host.StartAsync(),
                Throws.InstanceOf<RepositoryNotFoundException>().With.Message.Contains("CreateIfMissing").And.Message.Contains(folder));
        }
        Assert.That(Directory.Exists(folder), Is.False, "a failed open makes no folder");

        // Created by the first start, opened by the second.
        for (var start = 0; start < 2; start++)
        {
            builder = Builder(new() { ["LakeFs:Path"] = folder, ["LakeFs:CreateIfMissing"] = "true", ["LakeFs:DefaultBranch"] = "trunk" });
            builder.Services.AddLakeFsRepository(builder.Configuration.GetSection("LakeFs"));
            using var host = builder.Build();
            await host.StartAsync();
            Assert.That((await host.Services.GetRequiredService<Repository>().GetBranchAsync("trunk")).Name, Is.EqualTo("trunk"));
            await host.StopAsync();
        }
    }

    [Test]
    public async Task Named_repositories_side_by_side_and_a_store_with_a_supplied_object_store()
    {
        var store = new MemoryObjectStore();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var builder = Builder(new()
        {
            ["Lakes:Sales:Path"] = _temp.Combine("sales"),
            ["Lakes:Sales:CreateIfMissing"] = "true",
            ["Lakes:Web:Store"] = "mem://web",
            ["Lakes:Web:RefsPath"] = _temp.Combine("web-refs.db"),
            ["Lakes:Web:CreateIfMissing"] = "True",
        });
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddLakeFsRepository("sales", builder.Configuration.GetSection("Lakes:Sales"));
        string? location = null;
        builder.Services.AddLakeFsRepository("web", builder.Configuration.GetSection("Lakes:Web"))
            .WithObjectStore((_, l) => { location = l; return store; });
        using var host = builder.Build();
        await host.StartAsync();

        var sales = host.Services.GetRequiredKeyedService<Repository>("sales");
        var web = host.Services.GetRequiredKeyedService<Repository>("web");
        Assert.That(sales, Is.Not.SameAs(web));
        Assert.That(location, Is.EqualTo("mem://web"));
        await web.PutObjectAsync("main", "index.html", new MemoryStream("<html/>"u8.ToArray()));
        var commit = await web.CommitAsync("main", "site");
        Assert.That(commit.CreationDate, Is.EqualTo(clock.GetUtcNow()), "the host's TimeProvider reaches the repository");
        var keys = new List<string>();
        await foreach (var item in store.ListAsync("", null))
        {
            keys.Add(item.Key);
        }
        Assert.That(keys, Is.Not.Empty, "the web repository writes into the supplied store");
        Assert.That(await sales.ListObjectsAsync("main").CountAsync(), Is.Zero);
        Assert.That(() => host.Services.GetService<Repository>(), Is.Null, "no unnamed repository was registered");
        await host.StopAsync();
    }

    [Test]
    public void A_store_without_an_object_store_or_a_ref_store_fails_the_start_saying_what_to_register()
    {
        var builder = Builder(new() { ["LakeFs:Store"] = "s3://bucket/lake", ["LakeFs:RefsPath"] = _temp.Combine("refs.db") });
        builder.Services.AddLakeFsRepository(builder.Configuration.GetSection("LakeFs"));
        using (var host = builder.Build())
        {
            Assert.That(async () => await host.StartAsync(),
                Throws.InvalidOperationException.With.Message.Contains("WithObjectStore").And.Message.Contains("s3://bucket/lake"));
        }

        builder = Builder(new() { ["LakeFs:Store"] = "mem://x" });
        builder.Services.AddLakeFsRepository(builder.Configuration.GetSection("LakeFs")).WithObjectStore((_, _) => new MemoryObjectStore());
        using (var host = builder.Build())
        {
            Assert.That(async () => await host.StartAsync(),
                Throws.InvalidOperationException.With.Message.Contains("RefsPath").And.Message.Contains("WithRefStore"));
        }
        Assert.That(File.Exists(_temp.Combine("refs.db")), Is.False, "nothing was created");
    }

    [TestCase("Path=/a;Store=s3://b/c", "both Path")]
    [TestCase("", "neither Path nor Store")]
    [TestCase("Store=/data/lake", "set Path instead")]
    [TestCase("Store=C:\\data\\lake", "set Path instead")]
    [TestCase("Store=my-bucket/lake", "not a location such as s3://")]
    [TestCase("Path=/a;CreateIfMisssing=true", "'CreateIfMisssing'")]
    [TestCase("Path=/a;CreateIfMissing=yes", "true or false")]
    [TestCase("Path=/a;Durability=Fast", "ProcessCrash or PowerLoss")]
    [TestCase("Path=/a;Durability=7", "ProcessCrash or PowerLoss")]
    [TestCase("Path=/a;DefaultBranch= ", "DefaultBranch")]
    public void Bad_settings_are_refused_at_registration_naming_the_key(string settings, string expected)
    {
        var values = settings.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2))
            .ToDictionary(p => "LakeFs:" + p[0], p => (string?)p[1]);
        values["Other:Unrelated"] = "x";
        var builder = Builder(values);
        Assert.That(() => builder.Services.AddLakeFsRepository(builder.Configuration.GetSection("LakeFs")),
            Throws.InvalidOperationException.With.Message.Contains(expected));
        Assert.That(builder.Services.Any(d => d.ServiceType == typeof(Repository)), Is.False, "nothing registered");
    }

    [Test]
    public void A_second_registration_of_a_name_is_refused()
    {
        var services = new ServiceCollection();
        services.AddLakeFsRepository(s => s.Path = _temp.Combine("a"));
        services.AddLakeFsRepository("b", s => s.Path = _temp.Combine("b"));
        Assert.That(() => services.AddLakeFsRepository(s => s.Path = _temp.Combine("c")), Throws.InvalidOperationException.With.Message.Contains("registered already"));
        Assert.That(() => services.AddLakeFsRepository("b", s => s.Path = _temp.Combine("d")), Throws.InvalidOperationException.With.Message.Contains("'b'"));
        Assert.That(() => services.AddLakeFsRepository(s => { }), Throws.InvalidOperationException.With.Message.Contains("neither Path nor Store"));
    }

    [Test]
    public async Task Without_a_host_concurrent_first_calls_open_once_and_disposing_the_provider_disposes_the_repository()
    {
        var folder = _temp.Combine("lake");
        var services = new ServiceCollection();
        services.AddLakeFsRepository(s => { s.Path = folder; s.CreateIfMissing = true; });
        Repository repo;
        var provider = services.BuildServiceProvider();
        await using (provider)
        {
            var lakes = provider.GetRequiredService<LakeFsRepositoryProvider>();
            var opened = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () => await lakes.GetRepositoryAsync())));
            repo = opened[0];
            Assert.That(opened, Has.All.SameAs(repo));
            Assert.That(provider.GetRequiredService<Repository>(), Is.SameAs(repo));
        }
        Assert.That(async () => await repo.GetBranchAsync("main"), Throws.InstanceOf<ObjectDisposedException>());
        await using var again = await Repository.OpenAsync(folder);
        Assert.That((await again.GetBranchAsync("main")).Name, Is.EqualTo("main"));
    }

    [Test]
    public async Task Hosted_services_get_the_repository_whatever_their_order_of_registration()
    {
        var folder = _temp.Combine("lake");
        var builder = Builder(new() { ["LakeFs:Path"] = folder, ["LakeFs:CreateIfMissing"] = "true" });
        // Registered before the repository: they still start after it is open.
        builder.Services.AddSingleton<ResolvesAtStart>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ResolvesAtStart>());
        builder.Services.AddSingleton<AwaitsTheProvider>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AwaitsTheProvider>());
        builder.Services.AddLakeFsRepository(builder.Configuration.GetSection("LakeFs"));
        using var host = builder.Build();
        await host.StartAsync();

        var repo = host.Services.GetRequiredService<Repository>();
        Assert.That(host.Services.GetRequiredService<ResolvesAtStart>().Seen, Is.SameAs(repo));
        Assert.That(await host.Services.GetRequiredService<AwaitsTheProvider>().Seen, Is.SameAs(repo));
        await host.StopAsync();
    }

    [Test]
    public void A_hosted_service_taking_the_repository_in_its_constructor_is_told_to_take_the_provider()
    {
        var builder = Builder(new() { ["LakeFs:Path"] = _temp.Combine("lake"), ["LakeFs:CreateIfMissing"] = "true" });
        builder.Services.AddLakeFsRepository("sales", builder.Configuration.GetSection("LakeFs"));
        builder.Services.AddHostedService(sp => new TakesTheRepository(sp.GetRequiredKeyedService<Repository>("sales")));
        using var host = builder.Build();
        Assert.That(async () => await host.StartAsync(), Throws.InvalidOperationException
            .With.Message.Contains("constructor")
            .And.Message.Contains("[FromKeyedServices(\"sales\")] LakeFsRepositoryProvider"));
    }

    [Test]
    public async Task Relative_paths_are_relative_to_the_content_root_not_the_current_folder()
    {
        var builder = Builder(new()
        {
            ["Lakes:Local:Path"] = "data/lake",
            ["Lakes:Local:CreateIfMissing"] = "true",
            ["Lakes:Remote:Store"] = "mem://remote",
            ["Lakes:Remote:RefsPath"] = "data/remote-refs.db",
            ["Lakes:Remote:CreateIfMissing"] = "true",
        }, contentRoot: _temp.Path);
        builder.Services.AddLakeFsRepository("local", builder.Configuration.GetSection("Lakes:Local"));
        builder.Services.AddLakeFsRepository("remote", builder.Configuration.GetSection("Lakes:Remote"))
            .WithObjectStore((_, _) => new MemoryObjectStore());
        using (var host = builder.Build())
        {
            await host.StartAsync();
            await host.StopAsync();
        }
        Assert.That(File.Exists(_temp.Combine("data", "lake", Repository.LocalRefStoreFileName)), Is.True);
        Assert.That(File.Exists(_temp.Combine("data", "remote-refs.db")), Is.True);
        await using var reopened = await Repository.OpenAsync(_temp.Combine("data", "lake"));
        Assert.That((await reopened.GetBranchAsync("main")).Name, Is.EqualTo("main"));
    }

    private static async Task<byte[]> ReadBytesAsync(Repository repo, string @ref, string path)
    {
        var stream = await repo.OpenReadAsync(@ref, path);
        await using (stream)
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer);
            return buffer.ToArray();
        }
    }

    /// <summary>Resolves the repository from the services when it starts, as code that is not constructor-injected does.</summary>
    private sealed class ResolvesAtStart(IServiceProvider services) : IHostedService
    {
        public Repository? Seen { get; private set; }

        public Task StartAsync(CancellationToken cancellationToken)
        {
            Seen = services.GetRequiredService<Repository>();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>The pattern the docs recommend for a worker: take the provider, await the repository.</summary>
    private sealed class AwaitsTheProvider(LakeFsRepositoryProvider lake) : BackgroundService
    {
        private readonly TaskCompletionSource<Repository> _seen = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<Repository> Seen => _seen.Task;

        protected override async Task ExecuteAsync(CancellationToken stoppingToken) =>
            _seen.SetResult(await lake.GetRepositoryAsync(stoppingToken));
    }

    private sealed class TakesTheRepository(Repository repository) : IHostedService
    {
        public Repository Repository { get; } = repository;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
