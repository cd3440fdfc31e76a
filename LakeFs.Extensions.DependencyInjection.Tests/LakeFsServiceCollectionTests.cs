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

    private static HostApplicationBuilder Builder(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
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
            Assert.That(await repo.ReadBytesAsync("main", "a.txt"), Is.EqualTo("a"u8.ToArray()));
            await repo.PutObjectAsync("main", "b.txt", new MemoryStream("b"u8.ToArray()));
            var commit = await repo.CommitAsync("main", "second");
            Assert.That(commit.Committer, Is.EqualTo("nightly-job"));

            await host.StopAsync();
        }
        Assert.That(async () => await repo.GetBranchAsync("main"), Throws.InstanceOf<ObjectDisposedException>());
        await using var reopened = await Repository.OpenAsync(folder);
        Assert.That(await reopened.ReadBytesAsync("main", "b.txt"), Is.EqualTo("b"u8.ToArray()));
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
}
