using LakeFs.Core;
using Microsoft.Extensions.Logging;

namespace LakeFs.Gateway;

/// <summary>What <see cref="S3GatewayEndpoints.MapLakeFsS3"/> serves and whom it lets in.</summary>
public sealed class S3GatewayOptions
{
    /// <summary>The repositories served, by bucket name. The gateway uses them; it does not dispose them.</summary>
    public IDictionary<string, Repository> Repositories { get; } = new Dictionary<string, Repository>(StringComparer.Ordinal);

    /// <summary>The key pairs accepted; a request signed with any other key is refused.</summary>
    public IList<S3AccessKey> AccessKeys { get; } = [];

    /// <summary>
    /// Base domain for virtual-host-style addressing (<c>bucket.&lt;domain&gt;</c>), for example <c>s3.local</c>.
    /// Null (the default) serves path-style addressing only.
    /// </summary>
    public string? VirtualHostDomain { get; set; }

    /// <summary>
    /// Make object bytes written through the gateway survive a power loss before the write is acknowledged; set it
    /// when the repositories use <see cref="Core.Model.Durability.PowerLoss"/>.
    /// </summary>
    public bool DurableWrites { get; set; }

    /// <summary>
    /// Multipart uploads neither completed nor aborted are deleted (with their parts) once this old; the sweep runs when
    /// an upload starts, at most once an hour per repository. Default: 7 days.
    /// </summary>
    public TimeSpan MultipartUploadExpiry { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How far a request's signing time may be from the gateway's clock (S3 allows 15 minutes).</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The clock signatures and expiry are checked against.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Logs failures the gateway answers with an internal error; null logs nothing.</summary>
    public ILogger? Logger { get; set; }
}
