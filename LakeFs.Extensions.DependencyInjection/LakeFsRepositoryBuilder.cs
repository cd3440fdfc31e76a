using LakeFs.Core;
using LakeFs.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace LakeFs.Extensions.DependencyInjection;

/// <summary>
/// Returned by <c>AddLakeFsRepository</c>: supplies what configuration cannot, the object store of a
/// <see cref="LakeFsRepositorySettings.Store"/> location (the cloud adapters are packages of their own and take SDK
/// clients you configure), a ref store other than a SQLite file, and any other <see cref="RepositoryOptions"/>.
/// </summary>
public sealed class LakeFsRepositoryBuilder
{
    private readonly List<Func<IServiceProvider, RepositoryOptions, RepositoryOptions>> _configure = [];

    internal LakeFsRepositoryBuilder(IServiceCollection services, string? name)
    {
        Services = services;
        Name = name;
    }

    /// <summary>The service collection the repository is registered in.</summary>
    public IServiceCollection Services { get; }

    /// <summary>The repository's name (its service key), or null for the unnamed repository.</summary>
    public string? Name { get; }

    internal Func<IServiceProvider, string, IObjectStore>? ObjectStoreFactory { get; private set; }

    internal Func<IServiceProvider, RefStoreOptions>? RefStoreFactory { get; private set; }

    /// <summary>
    /// Builds the object store of a <see cref="LakeFsRepositorySettings.Store"/> location, for example
    /// <c>(services, location) =&gt; S3ObjectStore.FromUri(location, services.GetRequiredService&lt;IAmazonS3&gt;())</c>
    /// (wrap it in <c>RetryingObjectStore</c> as you would without dependency injection). Called once, when the
    /// repository is opened.
    /// </summary>
    public LakeFsRepositoryBuilder WithObjectStore(Func<IServiceProvider, string, IObjectStore> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ObjectStoreFactory = factory;
        return this;
    }

    /// <summary>
    /// Supplies the ref store, for example <c>_ =&gt; new PostgreSqlRefStoreOptions(connectionString, "sales")</c>;
    /// <see cref="LakeFsRepositorySettings.RefsPath"/> is then not needed (and is ignored).
    /// </summary>
    public LakeFsRepositoryBuilder WithRefStore(Func<IServiceProvider, RefStoreOptions> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        RefStoreFactory = factory;
        return this;
    }

    /// <summary>
    /// Adjusts the options the repository is opened with (a file cache, cache sizes, import sources...), after the
    /// settings, the host's <c>ILoggerFactory</c> and its <see cref="TimeProvider"/> are applied. Calls add up, in order.
    /// </summary>
    public LakeFsRepositoryBuilder ConfigureOptions(Func<IServiceProvider, RepositoryOptions, RepositoryOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _configure.Add(configure);
        return this;
    }

    internal RepositoryOptions Configure(IServiceProvider services, RepositoryOptions options)
    {
        foreach (var configure in _configure)
        {
            options = configure(services, options) ?? throw new InvalidOperationException("A ConfigureOptions callback of a LakeFs repository returned null.");
        }
        return options;
    }
}
