using LakeFs.Core;
using LakeFs.Core.Errors;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LakeFs.Extensions.DependencyInjection;

/// <summary>
/// Opens one registered repository, exactly once, and disposes it with the service provider (so with the host).
/// The host opens it when it starts (a bad configuration fails the start); without a host, await
/// <see cref="GetRepositoryAsync"/> before resolving <see cref="Repository"/>. Resolve it as a service (keyed by the
/// repository's name for a named one).
/// </summary>
/// <remarks>
/// Opening reads the ref store and the object store, which is asynchronous, and a service factory is synchronous: a
/// factory that opened the repository would have to block on a task (sync over async), which can deadlock and starves
/// the thread pool. So the repository is opened asynchronously, once: by the host's start (a hosted service the
/// package registers to start before the application's own), or by whichever first caller of
/// <see cref="GetRepositoryAsync"/> gets there before it. The open runs under a lock, so concurrent first calls (the
/// host's start and a <c>BackgroundService</c>, or requests when the host starts its services concurrently) open one
/// repository and all get it; a failed open is not kept, so the next call tries again. Resolving
/// <see cref="Core.Repository"/> before that is an error rather than a wait: a hosted service is constructed before
/// the host starts, so one that needs the repository takes this provider and awaits <see cref="GetRepositoryAsync"/>.
/// </remarks>
public sealed class LakeFsRepositoryProvider : IAsyncDisposable
{
    private readonly LakeFsRepositorySettings _settings;
    private readonly LakeFsRepositoryBuilder _builder;
    private readonly IServiceProvider _services;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Repository? _repository;
    private int _disposed;

    internal LakeFsRepositoryProvider(LakeFsRepositorySettings settings, LakeFsRepositoryBuilder builder, IServiceProvider services)
    {
        _settings = settings;
        _builder = builder;
        _services = services;
    }

    /// <summary>The repository's name (its service key), or null for the unnamed repository.</summary>
    public string? Name => _builder.Name;

    /// <summary>The opened repository.</summary>
    /// <exception cref="InvalidOperationException">It is not open yet: the host opens it when it starts.</exception>
    /// <exception cref="ObjectDisposedException">The provider (and with it the repository) was disposed.</exception>
    public Repository Repository
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            return Volatile.Read(ref _repository) ?? throw new InvalidOperationException(
                $"The LakeFs repository {Describe()} is not open yet: the host opens it when it starts (IHost.StartAsync). "
                + $"A hosted service is constructed before the host starts, so it cannot take Repository in its constructor: "
                + $"take {ProviderParameter()} instead and await {nameof(GetRepositoryAsync)}() in StartAsync or ExecuteAsync. "
                + $"Without a host, await {nameof(LakeFsRepositoryProvider)}.{nameof(GetRepositoryAsync)}() first.");
        }
    }

    /// <summary>
    /// The repository, opened (or created, with <see cref="LakeFsRepositorySettings.CreateIfMissing"/>) on the first
    /// call; concurrent first calls open it once. A failed open is not remembered: the next call tries again.
    /// </summary>
    /// <exception cref="RepositoryNotFoundException">The location holds no repository and CreateIfMissing is false.</exception>
    /// <exception cref="InvalidOperationException">The settings need something not registered (an object store for Store).</exception>
    public async ValueTask<Repository> GetRepositoryAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Volatile.Read(ref _repository) is { } open)
        {
            return open;
        }
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            if (_repository is null)
            {
                var repository = await OpenAsync(cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _repository, repository);
            }
            return _repository!;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<Repository> OpenAsync(CancellationToken cancellationToken)
    {
        var s = _settings;
        RepositoryOptions options;
        if (s.Path is { } path)
        {
            var folder = FullPath(path);
            // Checked before the local options are built (they make the objects folder): a failed open leaves nothing.
            if (!s.CreateIfMissing && !File.Exists(System.IO.Path.Combine(folder, Repository.LocalRefStoreFileName))
                && !Directory.Exists(System.IO.Path.Combine(folder, Repository.LocalObjectsFolderName)))
            {
                throw NotFound($"'{folder}' holds no LakeFs repository");
            }
            options = Repository.LocalOptions(folder);
        }
        else
        {
            var factory = _builder.ObjectStoreFactory ?? throw new InvalidOperationException(
                $"The LakeFs repository {Describe()} has Store '{s.Store}', and no object store was supplied for it. Call "
                + $".{nameof(LakeFsRepositoryBuilder.WithObjectStore)}((services, location) => ...) on what AddLakeFsRepository returns, "
                + "building the adapter of the location's service (for example S3ObjectStore.FromUri(location, client) of the LakeFs.Storage.S3 package).");
            var refStore = _builder.RefStoreFactory?.Invoke(_services)
                ?? (string.IsNullOrWhiteSpace(s.RefsPath)
                    ? throw new InvalidOperationException(
                        $"The LakeFs repository {Describe()} has Store '{s.Store}' and no ref store: set RefsPath to a SQLite file, "
                        + $"or call .{nameof(LakeFsRepositoryBuilder.WithRefStore)}(...) on what AddLakeFsRepository returns (for PostgreSQL).")
                    : new SqliteRefStoreOptions(FullPath(s.RefsPath)));
            options = new RepositoryOptions
            {
                ObjectStore = factory(_services, s.Store!) ?? throw new InvalidOperationException($"The object store factory of the LakeFs repository {Describe()} returned null."),
                RefStore = refStore,
            };
        }
        options = options with
        {
            Durability = s.Durability,
            LoggerFactory = _services.GetService<ILoggerFactory>() ?? options.LoggerFactory,
            TimeProvider = _services.GetService<TimeProvider>() ?? options.TimeProvider,
        };
        if (s.DefaultBranch is { } branch)
        {
            options = options with { DefaultBranch = branch };
        }
        if (s.Committer is { } committer)
        {
            options = options with { Committer = committer };
        }
        options = _builder.Configure(_services, options);

        try
        {
            return await Repository.OpenAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (RepositoryNotFoundException e) when (!s.CreateIfMissing)
        {
            throw NotFound(e.Message.TrimEnd('.'), e);
        }
        catch (RepositoryNotFoundException) when (s.CreateIfMissing)
        {
            try
            {
                return await Repository.CreateAsync(options, cancellationToken).ConfigureAwait(false);
            }
            catch (RepositoryAlreadyExistsException)
            {
                // Another process created it meanwhile.
                return await Repository.OpenAsync(options, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private RepositoryNotFoundException NotFound(string what, Exception? inner = null) =>
        new($"{what}. Create the repository first (Repository.CreateAsync), or set CreateIfMissing to true in the settings of the LakeFs repository {Describe()}.", inner);

    private string Describe() => _builder.Name is { } name ? $"'{name}'" : "(unnamed)";

    private string ProviderParameter() =>
        _builder.Name is { } name ? $"[FromKeyedServices(\"{name}\")] {nameof(LakeFsRepositoryProvider)}" : nameof(LakeFsRepositoryProvider);

    /// <summary>
    /// A relative <c>Path</c> or <c>RefsPath</c> is relative to the host's content root, not to the process's current
    /// folder, which a service manager sets to something else (a Windows service starts in System32, a systemd unit in /).
    /// </summary>
    private string FullPath(string path)
    {
        var root = _services.GetService<IHostEnvironment>()?.ContentRootPath;
        return string.IsNullOrEmpty(root) ? System.IO.Path.GetFullPath(path) : System.IO.Path.GetFullPath(path, root);
    }

    /// <summary>Disposes the repository if it was opened; afterwards the provider refuses every call.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_repository is { } repository)
            {
                await repository.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
