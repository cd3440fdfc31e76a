using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace LakeFs.Gateway;

/// <summary>Maps the S3-compatible gateway into an ASP.NET Core app.</summary>
public static class S3GatewayEndpoints
{
    /// <summary>
    /// Serves the repositories of <paramref name="options"/> as S3 buckets at the root of the app: bucket = repository,
    /// key = <c>&lt;ref&gt;/&lt;path&gt;</c>. Every request must carry an AWS Signature Version 4 made with one of
    /// <see cref="S3GatewayOptions.AccessKeys"/>.
    /// </summary>
    /// <example>
    /// <code>
    /// var options = new S3GatewayOptions();
    /// options.Repositories["lake"] = await Repository.OpenAsync("/data/lake");
    /// options.AccessKeys.Add(new S3AccessKey("AKIAEXAMPLE", "secret"));
    /// app.MapLakeFsS3(options);
    /// </code>
    /// </example>
    public static IEndpointConventionBuilder MapLakeFsS3(this IEndpointRouteBuilder endpoints, S3GatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var gateway = new S3Gateway(options);
        return endpoints.Map("/{**s3path}", gateway.HandleAsync);
    }
}
