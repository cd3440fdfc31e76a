namespace GcsFake;

/// <summary>An ifGenerationMatch condition did not hold (HTTP 412).</summary>
internal sealed class PreconditionFailedException : Exception
{
    public PreconditionFailedException() : base("At least one of the pre-conditions you specified did not hold.") { }

    public PreconditionFailedException(string message) : base(message) { }

    public PreconditionFailedException(string message, Exception innerException) : base(message, innerException) { }
}
