namespace LakeFs.Core.Tests.Storage;

/// <summary>
/// Reads an emulator endpoint that ./test.sh exports. Without it the test is ignored with a message saying how to run
/// it, except under CI (<c>CI=true</c>), where a missing emulator is a failure, never a silent skip.
/// </summary>
internal static class CloudEmulator
{
    public static string RequireEndpoint(string variable, string emulator)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrWhiteSpace(value))
        {
            return value;
        }
        var message = $"{variable} is not set, so the tests against {emulator} cannot run. Run ./test.sh: it starts {emulator} on 127.0.0.1 and sets {variable}.";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(message);
        }
        Assert.Ignore(message);
        return value!;
    }

    /// <summary>A fresh prefix, so every test starts with an empty store.</summary>
    public static string FreshPrefix() => "t-" + Guid.NewGuid().ToString("N");

    /// <summary>
    /// Ignores the current contract test when the emulator is known to deviate from the real service there
    /// (the reason says how); the library is not at fault and cannot paper over it.
    /// </summary>
    public static void IgnoreWhereTheEmulatorDeviates(IReadOnlyDictionary<string, string> deviations, string emulator)
    {
        if (TestContext.CurrentContext.Test.MethodName is { } name && deviations.TryGetValue(name, out var reason))
        {
            Assert.Ignore($"Not supported by {emulator}: {reason}");
        }
    }
}
