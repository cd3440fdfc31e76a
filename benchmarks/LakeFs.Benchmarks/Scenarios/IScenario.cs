using LakeFs.Benchmarks.Infrastructure;

namespace LakeFs.Benchmarks.Scenarios;

/// <summary>One benchmark scenario: builds what it needs (or takes shared fixtures) and adds metrics to the context.</summary>
public interface IScenario
{
    /// <summary>The name <c>--only</c> selects.</summary>
    string Name { get; }

    string Description { get; }

    Task RunAsync(ScenarioContext context, CancellationToken cancellationToken);
}
