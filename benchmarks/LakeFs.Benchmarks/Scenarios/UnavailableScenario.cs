using LakeFs.Benchmarks.Infrastructure;

namespace LakeFs.Benchmarks.Scenarios;

/// <summary>A scenario whose library operation has not landed yet: reports that instead of a number.</summary>
public sealed class UnavailableScenario(string name, string description, string metric, Goal goal, string unit) : IScenario
{
    public const string NotAvailable = "not available yet (the core has no DiffAsync/MergeAsync in this build)";

    public string Name => name;

    public string Description => description;

    public Task RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        context.Add(metric, unit, [], goal, note: NotAvailable);
        context.Log(NotAvailable);
        return Task.CompletedTask;
    }
}
