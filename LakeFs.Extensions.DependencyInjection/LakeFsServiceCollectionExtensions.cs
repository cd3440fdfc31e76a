using LakeFs.Core;
using LakeFs.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers LakeFs repositories: <c>services.AddLakeFsRepository(configuration.GetSection("LakeFs"))</c>. The
/// repository is a singleton <see cref="Repository"/> (keyed by name for a named one), opened once when the host
/// starts and disposed with the host; <see cref="LakeFsRepositoryProvider"/> gives it asynchronously outside a host.
/// </summary>
public static class LakeFsServiceCollectionExtensions
{
    /// <summary>Registers the unnamed repository with the settings of a configuration section (see <see cref="LakeFsRepositorySettings.FromConfiguration"/>).</summary>
    /// <exception cref="InvalidOperationException">The section's settings are not valid, or the unnamed repository is registered already.</exception>
    public static LakeFsRepositoryBuilder AddLakeFsRepository(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return Register(services, null, LakeFsRepositorySettings.FromConfiguration(configuration));
    }

    /// <summary>Registers the unnamed repository with settings set in code.</summary>
    /// <exception cref="InvalidOperationException">The settings are not valid, or the unnamed repository is registered already.</exception>
    public static LakeFsRepositoryBuilder AddLakeFsRepository(this IServiceCollection services, Action<LakeFsRepositorySettings> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return Register(services, null, Configured(configure, "the settings of the unnamed repository"));
    }

    /// <summary>
    /// Registers a repository named <paramref name="name"/> (its service key: <c>[FromKeyedServices("sales")] Repository</c>)
    /// with the settings of a configuration section. Several named repositories can be registered side by side.
    /// </summary>
    /// <exception cref="InvalidOperationException">The settings are not valid, or a repository of that name is registered already.</exception>
    public static LakeFsRepositoryBuilder AddLakeFsRepository(this IServiceCollection services, string name, IConfiguration configuration)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configuration);
        return Register(services, name, LakeFsRepositorySettings.FromConfiguration(configuration));
    }

    /// <summary>Registers a repository named <paramref name="name"/> with settings set in code.</summary>
    /// <exception cref="InvalidOperationException">The settings are not valid, or a repository of that name is registered already.</exception>
    public static LakeFsRepositoryBuilder AddLakeFsRepository(this IServiceCollection services, string name, Action<LakeFsRepositorySettings> configure)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        return Register(services, name, Configured(configure, $"the settings of repository '{name}'"));
    }

    private static LakeFsRepositorySettings Configured(Action<LakeFsRepositorySettings> configure, string where)
    {
        var settings = new LakeFsRepositorySettings();
        configure(settings);
        settings.Validate(where);
        return settings;
    }

    private static LakeFsRepositoryBuilder Register(IServiceCollection services, string? name, LakeFsRepositorySettings settings)
    {
        ArgumentNullException.ThrowIfNull(services);
        var registry = services.FirstOrDefault(d => d.ServiceType == typeof(LakeFsRepositoryRegistry) && !d.IsKeyedService)?.ImplementationInstance as LakeFsRepositoryRegistry;
        if (registry is null)
        {
            registry = new LakeFsRepositoryRegistry();
            services.AddSingleton(registry);
            // First among the hosted services, so the repositories are open before any of the application's own
            // hosted services (or the web server) starts, whatever the order of registration.
            services.Insert(0, ServiceDescriptor.Singleton<IHostedService, LakeFsRepositoryOpener>());
        }
        if (registry.Names.Contains(name))
        {
            throw new InvalidOperationException(name is null
                ? "The unnamed LakeFs repository is registered already. Register further repositories by name: AddLakeFsRepository(\"name\", ...)."
                : $"A LakeFs repository named '{name}' is registered already.");
        }
        registry.Names.Add(name);
        var builder = new LakeFsRepositoryBuilder(services, name);
        if (name is null)
        {
            services.AddSingleton(sp => new LakeFsRepositoryProvider(settings, builder, sp));
            services.AddSingleton(sp => sp.GetRequiredService<LakeFsRepositoryProvider>().Repository);
        }
        else
        {
            services.AddKeyedSingleton(name, (sp, _) => new LakeFsRepositoryProvider(settings, builder, sp));
            services.AddKeyedSingleton(name, (sp, key) => sp.GetRequiredKeyedService<LakeFsRepositoryProvider>(key).Repository);
        }
        return builder;
    }
}
