using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LakeFs.Extensions.DependencyInjection;

/// <summary>
/// Opens every registered repository when the host starts, so a bad configuration or a missing repository fails the
/// start instead of the first request. Disposal is the providers' (singletons disposed with the host's services,
/// after every hosted service stopped), so nothing that still stops can find its repository closed.
/// </summary>
internal sealed class LakeFsRepositoryOpener(LakeFsRepositoryRegistry registry, IServiceProvider services) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var name in registry.Names)
        {
            var provider = name is null
                ? services.GetRequiredService<LakeFsRepositoryProvider>()
                : services.GetRequiredKeyedService<LakeFsRepositoryProvider>(name);
            await provider.GetRepositoryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
