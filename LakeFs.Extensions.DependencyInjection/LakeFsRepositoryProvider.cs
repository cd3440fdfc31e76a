using LakeFs.Core;
using LakeFs.Core.Errors;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LakeFs.Extensions.DependencyInjection;

/// <summary>
/// Opens one registered repository, exactly once, and disposes it with the service provider (so with the host).
/// The host opens it when it starts (a bad configuration fails the start); without a host, await
/// <see cref="GetRepositoryAsync"/> before resolving <see cref="Repository"/>. Resolve it as a service (keyed by the
/// repository's name for a named one).
/// </summary>
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
                $"The LakeFs repository {Describe()} is not open yet. The host opens it when it starts (IHost.StartAsync); "
                + $"without a host, await {nameof(LakeFsRepositoryProvider)}.{nameof(GetRepositoryAsync)}() first.");
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
        if (s.Path is { } folder)
        {
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
                    : new SqliteRefStoreOptions(s.RefsPath));
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
